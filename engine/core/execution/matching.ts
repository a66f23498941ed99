/**
 * Market data into the account: arrival after latency, stop triggers,
 * trailing updates, resting limit matching and mark-to-market.
 */
import type { Quote, Trade } from "../types.ts";
import { marketOf, markPosition } from "./account.ts";
import { arrive, executeFill, limitArrival, takerFill, trail } from "./fills.ts";
import { checkLiquidation, finish } from "./placement.ts";
import { compact, isOpen, isStop, marketRef, remainingQty } from "./_order.ts";
import { roundToStep } from "./filters.ts";
import type { Account, ExecEvent, MarketState, Order } from "./types.ts";

/**
 * Processes one trade: updates the last price and marks the position to
 * market (O(1), allocation-free when no order is open), then lets every open
 * order of the symbol that is live at the trade's time arrive, trigger or
 * match. Malformed trades (non-finite, price ≤ 0, qty < 0) are dropped and
 * counted in `account.totals.dropped`.
 */
export function onTrade(account: Account, trade: Trade, out: ExecEvent[]): void {
  const price = trade.price;
  const qty = trade.qty;
  if (
    !(price > 0 && price < Infinity && qty >= 0 && qty < Infinity && Number.isFinite(trade.time))
  ) {
    account.totals.dropped++;
    return;
  }
  const symbol = trade.symbol;
  const market = account.markets[symbol] ?? marketOf(account, symbol);
  market.last = price;
  market.last_time = trade.time;
  market.volume_ref = market.volume_ref === 0
    ? qty
    : market.volume_ref + 0.01 * (qty - market.volume_ref);
  const pos = account.positions[symbol];
  if (pos !== undefined) {
    markPosition(pos, price);
    if (pos.quantity < 0) checkLiquidation(account, pos, price, trade.time, out);
  }
  const orders = account.orders;
  const n = orders.length;
  if (n === 0) return;
  for (let i = 0; i < n; i++) {
    const order = orders[i];
    if (order.symbol === symbol && isOpen(order) && trade.time >= order.active_at) {
      step(account, order, market, trade, out);
    }
  }
  compact(account);
}

function step(
  account: Account,
  order: Order,
  market: MarketState,
  trade: Trade,
  out: ExecEvent[],
): void {
  const now = trade.time;
  if (!order.arrived) {
    arrive(account, order, now, out);
    if (!isStop(order) || !isOpen(order)) return;
  }
  if (isStop(order) && !order.triggered) {
    if (order.type === "trailing_stop") {
      const best = order.trail_best;
      const better = best === null ||
        (order.side === "sell" ? trade.price > best : trade.price < best);
      if (better) trail(order, market, trade.price);
    }
    if (triggers(order, trade.price)) trigger(account, order, now, out);
    return;
  }
  if (order.price === undefined) return;
  const limit = order.price;
  const through = order.side === "buy" ? trade.price < limit : trade.price > limit;
  if (!through && !(account.config.queue === "touch" && trade.price === limit)) return;
  const share = roundToStep(
    trade.qty * account.config.max_volume_share,
    market.step,
    market.qty_scale,
    "down",
  );
  const remaining = remainingQty(order, market);
  const qty = Math.min(remaining, share);
  if (qty > 0) {
    executeFill(account, order, { qty, price: limit, liquidity: "maker", ref: limit, now }, out);
  }
}

function triggers(order: Order, price: number): boolean {
  const stop = order.stop_price;
  if (typeof stop !== "number") return false;
  const buy = order.side === "buy";
  if (order.type === "take_profit") return buy ? price <= stop : price >= stop;
  return buy ? price >= stop : price <= stop;
}

function trigger(account: Account, order: Order, now: number, out: ExecEvent[]): void {
  order.triggered = true;
  order.updated_at = now;
  if (order.type === "stop_limit") {
    out.push({ type: "order", order: { ...order } });
    limitArrival(account, order, now, out);
    return;
  }
  const market = account.markets[order.symbol];
  const ref = marketRef(account, market, order.side, now);
  if (ref > 0) takerFill(account, order, ref, now, out);
  else finish(account, order, "expired", "no market price at trigger", now, out);
}

/**
 * Records a best bid/ask (O(1)). Quotes only set the reference of taker fills
 * and marketability while fresh; they never fill resting orders. Malformed
 * quotes (non-finite, ≤ 0, crossed) are dropped and counted.
 */
export function onQuote(account: Account, quote: Quote, _out: ExecEvent[]): void {
  const { bid, ask } = quote;
  if (!(bid > 0 && ask >= bid && ask < Infinity && Number.isFinite(quote.time))) {
    account.totals.dropped++;
    return;
  }
  const market = account.markets[quote.symbol] ?? marketOf(account, quote.symbol);
  market.bid = bid;
  market.ask = ask;
  market.quote_time = quote.time;
}
