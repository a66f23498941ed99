/**
 * Order validation: a request's structure, then the order against its
 * symbol's filters (rounded to tick and step size), the position (reduce-only,
 * short selling) and free funds, which sets the order's reservation.
 */
import { freeCash, positionOf } from "./account.ts";
import { fundsNeeded, maxFeeRate, slippedPrice, worstSlippageBps } from "./costs.ts";
import { roundToStep } from "./filters.ts";
import { amount, marketRef } from "./_order.ts";
import type { Account, MarketState, Order, OrderRequest, Side } from "./types.ts";

const ORDER_TYPES = new Set([
  "market",
  "limit",
  "stop_market",
  "stop_limit",
  "take_profit",
  "trailing_stop",
]);

/** Why a request is malformed (symbol, side, type, time in force), or null. */
export function structuralError(request: OrderRequest): string | null {
  if (typeof request.symbol !== "string" || request.symbol.length === 0) {
    return `invalid symbol ${JSON.stringify(request.symbol)}`;
  }
  if (request.side !== "buy" && request.side !== "sell") {
    return `invalid side ${JSON.stringify(request.side)}`;
  }
  if (!ORDER_TYPES.has(request.type)) return `invalid order type ${JSON.stringify(request.type)}`;
  const tif = request.time_in_force;
  if (tif !== undefined && tif !== "GTC" && tif !== "IOC") {
    return `invalid time_in_force ${JSON.stringify(tif)}`;
  }
  return null;
}

/**
 * Why a bracket cannot protect an entry of `side` at `entry`: a stop-loss or
 * take-profit on the wrong side of the entry price would close the position
 * at once. Null when it fits, or when there is no entry price to compare.
 */
export function bracketProblem(
  side: Side,
  entry: number,
  bracket: { readonly stop_loss?: number; readonly take_profit?: number },
): string | null {
  if (!(entry > 0)) return null;
  const buy = side === "buy";
  const { stop_loss: stop, take_profit: target } = bracket;
  const problems = [
    stop !== undefined && (buy ? stop >= entry : stop <= entry)
      ? `bracket stop_loss ${stop} must be ${buy ? "below" : "above"} the entry price ${entry}`
      : "",
    target !== undefined && (buy ? target <= entry : target >= entry)
      ? `bracket take_profit ${target} must be ${buy ? "above" : "below"} the entry price ${entry}`
      : "",
  ].filter(Boolean);
  return problems.length > 0 ? `${problems.join("; ")} of a ${side}` : null;
}

/**
 * Checks an order built from a structurally valid request at `now`, rounding
 * its quantity and prices to the symbol's filters, clipping a reduce-only
 * quantity to the position and setting its reservation. Returns why it is
 * rejected, or null.
 */
export function validate(
  account: Account,
  order: Order,
  market: MarketState,
  now: number,
): string | null {
  const r = order;
  if (!(r.quantity > 0) || !Number.isFinite(r.quantity)) return `invalid quantity ${r.quantity}`;
  const needsPrice = r.type === "limit" || r.type === "stop_limit";
  if (needsPrice && !(Number(r.price) > 0)) {
    return `${r.type} order needs a price > 0, got ${r.price}`;
  }
  const needsStop = r.type === "stop_market" || r.type === "stop_limit" || r.type === "take_profit";
  if (needsStop && !(Number(r.stop_price) > 0)) {
    return `${r.type} order needs a stop_price > 0, got ${r.stop_price}`;
  }
  if (r.type === "trailing_stop") {
    const pct = r.trail_percent;
    const amt = r.trail_amount;
    if ((pct === undefined) === (amt === undefined)) {
      return "trailing_stop needs exactly one of trail_percent and trail_amount";
    }
    if (pct !== undefined && !(pct > 0 && pct < 100)) return `invalid trail_percent ${pct}`;
    if (amt !== undefined && !(amt > 0)) return `invalid trail_amount ${amt}`;
  }
  const raw = r.quantity;
  r.quantity = roundToStep(raw, market.step, market.qty_scale, "down");
  if (r.quantity <= 0) return `quantity ${raw} rounds to 0 at step size ${market.step}`;
  const buy = r.side === "buy";
  if (r.price !== undefined) {
    r.price = roundToStep(r.price, market.tick, market.price_scale, buy ? "down" : "up");
    if (r.price <= 0) return `price rounds to 0 at tick size ${market.tick}`;
  }
  if (typeof r.stop_price === "number") {
    r.stop_price = roundToStep(r.stop_price, market.tick, market.price_scale, "nearest");
    if (r.stop_price <= 0) return `stop_price rounds to 0 at tick size ${market.tick}`;
  }
  const pos = positionOf(account, r.symbol);
  if (r.reduce_only) {
    const reducible = buy ? Math.max(0, -pos.quantity) : Math.max(0, pos.quantity);
    if (reducible === 0) return `reduce_only: no ${buy ? "short" : "long"} position to reduce`;
    r.quantity = Math.min(r.quantity, reducible);
  } else if (!buy && !account.config.allow_short && r.quantity > Math.max(0, pos.quantity)) {
    return `short selling disabled: sell ${r.quantity} exceeds long position ${
      Math.max(0, pos.quantity)
    }`;
  }
  const ref = referencePrice(account, r, market, now);
  if (r.type === "market" && ref === 0) return "no market price";
  if (ref > 0 && r.quantity * ref < market.min_notional) {
    return `notional ${amount(r.quantity * ref)} below min notional ${market.min_notional}`;
  }
  const need = ref > 0 ? fundsNeeded(pos, r.side, r.quantity, ref, maxFeeRate(account.config)) : 0;
  const free = freeCash(account);
  if (need > free && !r.reduce_only) {
    return `insufficient funds: need ${amount(need)}, free ${amount(free)}`;
  }
  r.reserved = r.reduce_only ? 0 : Math.max(0, need);
  return null;
}

/**
 * Price used for min notional and reservations: limit, stop, or market (with
 * the slippage bound). A market order is valued at the market only, whatever
 * prices it carries.
 */
function referencePrice(account: Account, order: Order, market: MarketState, now: number): number {
  const atMarket = order.type === "market";
  if (!atMarket && order.price !== undefined) return order.price;
  if (!atMarket && typeof order.stop_price === "number") return order.stop_price;
  const ref = marketRef(account, market, order.side, now);
  if (!atMarket || order.side === "sell") return ref;
  return slippedPrice(ref, "buy", worstSlippageBps(account.config));
}
