/**
 * Cancellation: one open order by id, or every open order of a symbol.
 */
import { finish } from "./placement.ts";
import { compact, isOpen } from "./_order.ts";
import type { Account, ExecEvent } from "./types.ts";

/** Cancels an open order; false when no open order has that id. */
export function cancelOrder(
  account: Account,
  orderId: string,
  now: number,
  out: ExecEvent[],
): boolean {
  const order = account.orders.find((o) => o.id === orderId && isOpen(o));
  if (order === undefined) return false;
  finish(account, order, "cancelled", null, now, out);
  compact(account);
  return true;
}

/** Cancels every open order of `symbol` (including bracket children placed meanwhile). */
export function cancelAll(account: Account, symbol: string, now: number, out: ExecEvent[]): void {
  const upper = symbol.toUpperCase();
  for (let i = 0; i < account.orders.length; i++) {
    const order = account.orders[i];
    if (order.symbol === upper && isOpen(order)) {
      finish(account, order, "cancelled", null, now, out);
    }
  }
  compact(account);
}
