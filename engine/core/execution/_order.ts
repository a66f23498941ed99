/**
 * Facts about orders and the book shared by validation, placement, fills and
 * cancellation: open and stop orders, open quantity, the taker reference
 * price, order events and the compaction of ended orders.
 */
import { fixDecimals } from "./filters.ts";
import type { Account, ExecEvent, MarketState, Order, Side } from "./types.ts";

/** Formats an amount for a reason text (at most 8 decimals). */
export function amount(x: number): string {
  return String(Math.round(x * 1e8) / 1e8);
}

/** The open quantity of an order, at the symbol's step decimals. */
export function remainingQty(order: Order, market: MarketState): number {
  return fixDecimals(order.quantity - order.filled_qty, market.qty_scale);
}

/** Whether an order can still fill. */
export function isOpen(order: Order): boolean {
  return order.status === "new" || order.status === "partially_filled";
}

/** Whether an order waits for a trigger price. */
export function isStop(order: Order): boolean {
  return order.type === "stop_market" || order.type === "stop_limit" ||
    order.type === "take_profit" || order.type === "trailing_stop";
}

/** Appends an order event (a copy of the order as it stands). */
export function emitOrder(order: Order, out: ExecEvent[]): void {
  out.push({ type: "order", order: { ...order } });
}

/**
 * Reference price of a taker order: the best ask (buy) or bid (sell) when the
 * quote is at most `quote_max_age_ms` old at `now`, else the last trade price
 * (0 when no price is known).
 */
export function marketRef(account: Account, market: MarketState, side: Side, now: number): number {
  if (market.quote_time > 0 && now - market.quote_time <= account.config.quote_max_age_ms) {
    const quoted = side === "buy" ? market.ask : market.bid;
    if (quoted > 0) return quoted;
  }
  return market.last;
}

/** Drops ended orders from the open list, in place; clears rounding residue when none is left. */
export function compact(account: Account): void {
  const orders = account.orders;
  let kept = 0;
  for (let i = 0; i < orders.length; i++) {
    if (isOpen(orders[i])) orders[kept++] = orders[i];
  }
  orders.length = kept;
  if (kept === 0) account.reserved = 0;
}
