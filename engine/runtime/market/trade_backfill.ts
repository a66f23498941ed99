/**
 * Filling trade-id holes from the exchange's REST history: when a symbol's
 * next trade skips ids (say after a reconnect), that trade and everything of
 * the symbol after it wait while the missing ids are fetched; the fetched
 * trades are delivered in id order, then the held events. Ids the history
 * does not return (too many, no longer kept, the request failed) stay
 * missing, so the validator behind reports them as a gap.
 */
import type { MarketEvent, Trade } from "../../core/types.ts";

/** Options of {@link TradeBackfill}. */
export interface TradeBackfillOptions {
  /** Trades of `symbol` with ids from `fromId` on, oldest first (at most `limit`). */
  fetch: (symbol: string, fromId: number, limit: number) => Promise<Trade[]>;
  /** Takes an event in order: a fetched trade (`backfilled` true) or a held live one. */
  deliver: (event: MarketEvent, backfilled: boolean) => void;
  /** Hears a fetch that failed (the ids it was for stay missing). */
  onFailure?: (symbol: string, error: unknown) => void;
  /** Trades per request (default 1000, Binance's maximum). */
  pageSize?: number;
  /** Requests per hole at most (default 10); ids beyond them stay missing. */
  maxPages?: number;
}

/** Holds a symbol's events behind a hole in its trade ids until the hole is fetched. */
export class TradeBackfill {
  #options: TradeBackfillOptions;
  #last = new Map<string, number>();
  #held = new Map<string, MarketEvent[]>();
  #closed = false;

  constructor(options: TradeBackfillOptions) {
    this.#options = options;
  }

  /** Notes a trade that went through (its id is the symbol's last). */
  delivered(trade: Trade): void {
    if (!(trade.id <= (this.#last.get(trade.symbol) ?? -Infinity))) {
      this.#last.set(trade.symbol, trade.id);
    }
  }

  /**
   * Whether the event must wait (a fill of its symbol is under way, or it is
   * a trade after a hole: the fill starts). When false, deliver it now.
   */
  hold(event: MarketEvent): boolean {
    const held = this.#held.get(event.symbol);
    if (held) {
      held.push(event);
      return true;
    }
    if (event.type !== "trade" || this.#closed) return false;
    const last = this.#last.get(event.symbol);
    if (last === undefined || !Number.isSafeInteger(event.id) || event.id <= last + 1) return false;
    this.#held.set(event.symbol, [event]);
    this.#fill(event.symbol, last + 1, event.id - 1);
    return true;
  }

  /** Stops following a symbol (its held events are dropped). */
  forget(symbol: string): void {
    this.#last.delete(symbol);
    this.#held.delete(symbol);
  }

  /** Stops: fills under way deliver nothing. */
  close(): void {
    this.#closed = true;
    this.#held.clear();
  }

  async #fill(symbol: string, fromId: number, toId: number): Promise<void> {
    const held = this.#held.get(symbol)!;
    const pageSize = this.#options.pageSize ?? 1000;
    const fetched: Trade[] = [];
    let next = fromId;
    try {
      for (let page = 0; page < (this.#options.maxPages ?? 10) && next <= toId; page++) {
        const trades = await this.#options.fetch(symbol, next, Math.min(pageSize, toId - next + 1));
        const useful = trades.filter((t) => t.id >= next && t.id <= toId);
        if (useful.length === 0) break;
        fetched.push(...useful);
        next = useful.at(-1)!.id + 1;
      }
    } catch (error) {
      this.#options.onFailure?.(symbol, error);
    }
    if (this.#closed || this.#held.get(symbol) !== held) return;
    for (const trade of fetched) this.#options.deliver(trade, true);
    // The hole was tried once: whatever of it is still missing is a gap, never fetched again.
    this.#last.set(symbol, Math.max(this.#last.get(symbol) ?? -Infinity, toId));
    this.#held.delete(symbol);
    // A held trade may open the next hole: it (and what follows it) waits again.
    for (const event of held) if (!this.hold(event)) this.#options.deliver(event, false);
  }
}
