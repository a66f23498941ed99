/**
 * The cost of trading, written once: fee rates, slippage (per fill and worst
 * case), the funds a fill takes and the quantity free cash can pay for. Used
 * by order validation and fills, and by the session's position sizing, so a
 * size the session picks is one the account accepts.
 *
 * @module
 */
import { freeCash } from "./account.ts";
import type { ExecutionConfig } from "./config.ts";
import type { Account, MarketState, PositionState, Side } from "./types.ts";

/** Safety margin of {@link affordableQuantity} on top of fees and slippage (0.1%). */
export const SIZING_MARGIN = 0.001;

/** Fee rate of a fill: maker for resting orders, taker for the rest. */
export function feeRate(config: ExecutionConfig, liquidity: "maker" | "taker"): number {
  return liquidity === "maker" ? config.maker_fee : config.taker_fee;
}

/** The higher fee rate: what a reservation assumes before the fill's liquidity is known. */
export function maxFeeRate(config: ExecutionConfig): number {
  return Math.max(config.maker_fee, config.taker_fee);
}

/** The most slippage a taker fill can have, in basis points: the fixed rate or the sqrt model's cap. */
export function worstSlippageBps(config: ExecutionConfig): number {
  const model = config.slippage;
  return model.model === "fixed" ? model.bps : model.cap_bps;
}

/**
 * Slippage in basis points of a taker fill of `qty`: the fixed rate, or
 * `coefficient × √(qty / typical trade size)` capped (the cap when no trade
 * size is known yet).
 */
export function slippageBps(config: ExecutionConfig, market: MarketState, qty: number): number {
  const model = config.slippage;
  if (model.model === "fixed") return model.bps;
  if (market.volume_ref <= 0) return model.cap_bps;
  return Math.min(model.cap_bps, model.coefficient * Math.sqrt(qty / market.volume_ref));
}

/** `ref` moved `bps` basis points against the trader: up for a buy, down for a sell (unrounded). */
export function slippedPrice(ref: number, side: Side, bps: number): number {
  return ref * (side === "buy" ? 1 + bps / 10_000 : 1 - bps / 10_000);
}

/** What covering one unit at `price` costs at worst: the taker fee, then the worst-case slippage. */
export function worstCoverPrice(config: ExecutionConfig, price: number): number {
  return price * (1 + config.taker_fee) * (1 + worstSlippageBps(config) / 10_000);
}

/**
 * Quote funds a fill of `qty` at `price` takes from free cash (negative when it
 * frees funds): buys pay notional and fee, covering a short releases its lock
 * (twice the entry notional); sells of a long free the proceeds less the fee,
 * sells that open a short lock notional plus fee (100% margin). `rate` is the
 * fee rate assumed.
 */
export function fundsNeeded(
  pos: PositionState,
  side: Side,
  qty: number,
  price: number,
  rate: number,
): number {
  if (side === "buy") {
    const cover = Math.min(qty, Math.max(0, -pos.quantity));
    return qty * price * (1 + rate) - 2 * cover * pos.avg_price;
  }
  const close = Math.min(qty, Math.max(0, pos.quantity));
  return (qty - close) * price * (1 + rate) - close * price * (1 - rate);
}

/**
 * The largest quantity the account's free cash pays for at `price` with the
 * higher fee, the worst-case slippage and {@link SIZING_MARGIN} included;
 * unrounded (the order is rounded down to the step size when placed). 0
 * without free cash or without a price (≤ 0 or not finite). Validation
 * reserves `price × (1 + slippage) × (1 + fee)`; the margin covers the
 * difference (the product fee × slippage) and a tick of rounding while
 * fee × slippage stays below it, e.g. fees up to 1% with slippage up to 5%.
 */
export function affordableQuantity(account: Account, price: number): number {
  return quantityForFunds(account.config, freeCash(account), price);
}

/**
 * The largest quantity `funds` of quote currency pay for at `price`, costed as
 * in {@link affordableQuantity}; 0 without funds or without a price.
 */
export function quantityForFunds(config: ExecutionConfig, funds: number, price: number): number {
  if (!(price > 0 && price < Infinity)) return 0;
  const unit = price * (1 + maxFeeRate(config) + worstSlippageBps(config) / 10_000 + SIZING_MARGIN);
  return Math.max(0, funds / unit);
}
