/**
 * The prices at which a trade leaves a symbol's open orders as they are: the
 * inverse of {@link meetTrade} for orders that rest at price levels. A stop
 * (market or limit) or take-profit waiting for its trigger fires at or beyond
 * its trigger price; a trailing stop also moves with a price beyond its best;
 * a resting limit (or triggered stop-limit) fills, touches or queues at or
 * through its price. A trade strictly between the tightest of these levels
 * below and above changes no order, and an order that has not arrived yet
 * meets no trade before its arrival time.
 *
 * @module
 */
import { isOpen, isStop } from "./_order.ts";
import type { Account } from "./types.ts";

/** A band of trade prices (both bounds excluded) and a time before which trades may come. */
export interface RestingBand {
  floor: number;
  ceiling: number;
  before: number;
}

/**
 * Narrows `band` to the trades that leave every open order of `symbol`
 * unchanged: prices strictly between their levels, times before any of them
 * arrives. False, leaving `band` partly narrowed, when no trade can (an
 * empty band, an ended order not yet dropped, an order whose next trade
 * changes it at any price, or a level that is not a number).
 */
export function narrowToResting(account: Account, symbol: string, band: RestingBand): boolean {
  const orders = account.orders;
  for (let i = 0; i < orders.length; i++) {
    const order = orders[i];
    if (!isOpen(order)) return false;
    if (order.symbol !== symbol) continue;
    if (!order.arrived) {
      if (order.active_at < band.before) band.before = order.active_at;
      continue;
    }
    const buy = order.side === "buy";
    if (isStop(order) && !order.triggered) {
      const stop = order.stop_price;
      if (typeof stop !== "number") return false;
      // A take-profit sells at or above its level (buys at or below); a stop the other way.
      bound(band, stop, order.type === "take_profit" ? buy : !buy);
      if (order.type === "trailing_stop") {
        const best = order.trail_best;
        if (typeof best !== "number") return false;
        // A sell trails a price above its best; a buy one below.
        bound(band, best, buy);
      }
    } else if (order.price !== undefined) {
      // A resting buy fills at or below its limit; a sell at or above.
      bound(band, order.price, buy);
    } else return false;
  }
  return band.floor < band.ceiling;
}

/** Moves the band's floor (`below`) or ceiling to `level` when tighter; a level that is not a number empties the band. */
function bound(band: RestingBand, level: number, below: boolean): void {
  if (below) {
    if (!(level <= band.floor)) band.floor = level;
  } else if (!(level >= band.ceiling)) band.ceiling = level;
}
