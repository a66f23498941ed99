/**
 * A live L2 order book of one symbol: a snapshot plus sequenced diffs (Binance's
 * documented procedure: diffs carry the first and final update id they cover,
 * quantity 0 removes a level). A gap in the ids, or a diff that would cross the
 * book, marks it out of sync: it answers nothing until a new snapshot arrives.
 *
 * Each side is a pair of sorted arrays (bids descending, asks ascending), so
 * reading the top N levels is O(N) and an update is a binary search.
 *
 * @module
 */

import type { Level } from "../types.ts";

/** A full book at one update id (e.g. `GET /api/v3/depth`). */
export interface BookSnapshot {
  readonly lastUpdateId: number;
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
}

/** Changed levels between two update ids (e.g. a `depthUpdate`). */
export interface BookDiff {
  /** First update id in this diff (`U`). */
  readonly firstId: number;
  /** Final update id in this diff (`u`). */
  readonly finalId: number;
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
}

/**
 * What {@link OrderBook.apply} did: `applied`; `stale` (ids already covered,
 * dropped); `unsynced` (no snapshot yet, dropped); `gap` or `crossed` (the book
 * is now out of sync and needs a snapshot).
 */
export type DiffResult = "applied" | "stale" | "unsynced" | "gap" | "crossed";

/** The top levels of both sides: the shape served by the API and fed to fills. */
export interface BookLevels {
  readonly bids: Level[];
  readonly asks: Level[];
}

class BookSide {
  readonly prices: number[] = [];
  readonly qtys: number[] = [];
  readonly #descending: boolean;

  constructor(descending: boolean) {
    this.#descending = descending;
  }

  /** Index of `price`, or of where it would go. */
  #find(price: number): number {
    const prices = this.prices;
    let lo = 0;
    let hi = prices.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const before = this.#descending ? prices[mid] > price : prices[mid] < price;
      if (before) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  set(price: number, qty: number): void {
    const i = this.#find(price);
    const present = this.prices[i] === price;
    if (qty === 0) {
      if (present) {
        this.prices.splice(i, 1);
        this.qtys.splice(i, 1);
      }
    } else if (present) {
      this.qtys[i] = qty;
    } else {
      this.prices.splice(i, 0, price);
      this.qtys.splice(i, 0, qty);
    }
  }

  clear(): void {
    this.prices.length = 0;
    this.qtys.length = 0;
  }

  top(depth: number): Level[] {
    const n = Math.min(depth, this.prices.length);
    const out: Level[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = [this.prices[i], this.qtys[i]];
    return out;
  }
}

function validLevel(level: Level): boolean {
  const [price, qty] = level;
  return price > 0 && price < Infinity && qty >= 0 && qty < Infinity;
}

/** A live L2 book: load a snapshot, apply diffs in order, read the top levels. */
export class OrderBook {
  readonly #bids = new BookSide(true);
  readonly #asks = new BookSide(false);
  #lastUpdateId = 0;
  #synced = false;

  /** Whether the book follows the exchange (a snapshot loaded, no gap since). */
  get synced(): boolean {
    return this.#synced;
  }

  /** The id of the last update applied (`lastUpdateId` of the snapshot, then each diff's final id). */
  get lastUpdateId(): number {
    return this.#lastUpdateId;
  }

  /**
   * Replaces the book with `snapshot`. Refuses (returns false, book out of
   * sync) a snapshot with a malformed level or a crossed top.
   */
  load(snapshot: BookSnapshot): boolean {
    this.#bids.clear();
    this.#asks.clear();
    this.#synced = false;
    if (!snapshot.bids.every(validLevel) || !snapshot.asks.every(validLevel)) return false;
    for (const [price, qty] of snapshot.bids) this.#bids.set(price, qty);
    for (const [price, qty] of snapshot.asks) this.#asks.set(price, qty);
    if (this.#crossed()) {
      this.#bids.clear();
      this.#asks.clear();
      return false;
    }
    this.#lastUpdateId = snapshot.lastUpdateId;
    this.#synced = true;
    return true;
  }

  /**
   * Applies a diff whose ids continue the book (`firstId ≤ lastUpdateId + 1 ≤
   * finalId`); older diffs are stale, a later one is a gap. A gap, a malformed
   * level or a crossed result marks the book out of sync.
   */
  apply(diff: BookDiff): DiffResult {
    if (!this.#synced) return "unsynced";
    const next = this.#lastUpdateId + 1;
    if (diff.finalId < next) return "stale";
    if (diff.firstId > next) {
      this.#synced = false;
      return "gap";
    }
    if (!diff.bids.every(validLevel) || !diff.asks.every(validLevel)) {
      this.#synced = false;
      return "crossed";
    }
    for (const [price, qty] of diff.bids) this.#bids.set(price, qty);
    for (const [price, qty] of diff.asks) this.#asks.set(price, qty);
    this.#lastUpdateId = diff.finalId;
    if (this.#crossed()) {
      this.#synced = false;
      return "crossed";
    }
    return "applied";
  }

  /** The best `depth` levels of each side (empty sides when out of sync). */
  levels(depth: number): BookLevels {
    if (!this.#synced) return { bids: [], asks: [] };
    return { bids: this.#bids.top(depth), asks: this.#asks.top(depth) };
  }

  #crossed(): boolean {
    const bid = this.#bids.prices[0];
    const ask = this.#asks.prices[0];
    return bid !== undefined && ask !== undefined && bid >= ask;
  }
}
