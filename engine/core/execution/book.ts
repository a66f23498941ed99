/**
 * The L2 book fill model: which book a fill may use (fresh, and not switched
 * off), walking its levels for a taker fill, and the queue position of a
 * resting limit. Fills never deplete the stored book: the next book update
 * replaces it.
 *
 * @module
 */
import type { Level } from "../types.ts";
import { fixDecimals } from "./filters.ts";
import type { Account, BookState, MarketState, Side } from "./types.ts";

/** The book of `symbol` when the fill model uses books and it is at most `quote_max_age_ms` old. */
export function freshBook(account: Account, symbol: string, now: number): BookState | null {
  if (account.config.fill_model?.book === "none") return null;
  const book = account.books?.[symbol];
  if (book === undefined || now - book.time > account.config.quote_max_age_ms) return null;
  return book;
}

/** What a walk through the book took: quantity, notional and the worst price reached (0 if none). */
export interface Walk {
  qty: number;
  notional: number;
  worst: number;
}

/**
 * Takes up to `qty` from `levels` (best first), level by level, stopping at
 * levels beyond `limit` (a buy's highest or a sell's lowest acceptable price).
 * Quantities are cut to the step decimals.
 */
export function walkBook(
  levels: readonly Level[],
  side: Side,
  qty: number,
  options: { limit?: number; market: MarketState },
): Walk {
  const limit = options.limit;
  const scale = options.market.qty_scale;
  let left = qty;
  let notional = 0;
  let worst = 0;
  for (let i = 0; i < levels.length && left > 0; i++) {
    const [price, size] = levels[i];
    if (limit !== undefined && (side === "buy" ? price > limit : price < limit)) break;
    const take = Math.min(left, size);
    notional += take * price;
    left = fixDecimals(left - take, scale);
    worst = price;
  }
  return { qty: fixDecimals(qty - left, scale), notional, worst };
}

/** Visible quantity of `side`'s own book side at exactly `price` (0 when there is no such level). */
export function visibleAt(book: BookState, side: Side, price: number): number {
  const levels = side === "buy" ? book.bids : book.asks;
  for (const [p, q] of levels) {
    if (p === price) return q;
    if (side === "buy" ? p < price : p > price) break;
  }
  return 0;
}
