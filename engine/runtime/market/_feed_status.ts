/** Internal: the mutable bookkeeping behind {@link FeedStatus}. */
import type { FeedName, FeedStatus } from "./feed.ts";

const MAX_GAPS = 20;

/** Counters, gaps and connection state of one feed. */
export class StatusTracker {
  #status: FeedStatus;
  #now: () => number;

  constructor(name: FeedName, simulated: boolean, now: () => number) {
    this.#now = now;
    this.#status = {
      name,
      simulated,
      connected: false,
      last_event_at: null,
      reconnects: 0,
      gaps: [],
      dropped: {},
      events: 0,
    };
  }

  /** Counts one delivered event, delivered at `at` (default: now). */
  event(at: number = this.#now()): void {
    this.#status.events++;
    this.#status.last_event_at = at;
  }

  /** Counts one dropped message. */
  drop(reason: string): void {
    this.#status.dropped[reason] = (this.#status.dropped[reason] ?? 0) + 1;
  }

  /** Records a trade-id gap. */
  gap(symbol: string, fromId: number, toId: number): void {
    this.#status.gaps.push({ symbol, from_id: fromId, to_id: toId, at: this.#now() });
    if (this.#status.gaps.length > MAX_GAPS) this.#status.gaps.shift();
  }

  /** Sets the connection state and its reason. */
  connection(connected: boolean, reason?: string): void {
    this.#status.connected = connected;
    if (reason === undefined) delete this.#status.reason;
    else this.#status.reason = reason;
  }

  /** Counts one L2 book loaded from a snapshot. */
  bookSync(): void {
    this.#status.book_syncs = (this.#status.book_syncs ?? 0) + 1;
  }

  /** Counts one trade fetched over REST to fill a hole in the trade ids. */
  backfilled(): void {
    this.#status.backfilled = (this.#status.backfilled ?? 0) + 1;
  }

  /** Counts one failed REST fetch of missing trades (what it was for stays a gap). */
  backfillFailure(): void {
    this.#status.backfill_failures = (this.#status.backfill_failures ?? 0) + 1;
  }

  /** Counts one reconnect. */
  reconnect(): void {
    this.#status.reconnects++;
  }

  /** A copy of the status. */
  snapshot(): FeedStatus {
    const s = this.#status;
    return { ...s, gaps: s.gaps.map((g) => ({ ...g })), dropped: { ...s.dropped } };
  }
}
