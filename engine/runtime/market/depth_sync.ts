/**
 * Keeps a local L2 book per symbol in step with an exchange's depth diffs,
 * following Binance's documented procedure: buffer the diffs, fetch a REST
 * snapshot, drop buffered diffs it already covers, apply the rest in order,
 * and start again (fetch a new snapshot) on a gap, a crossed book or a
 * reconnect. Snapshots of one symbol are at least `retryMs` apart.
 */
import { type BookDiff, type BookSnapshot, OrderBook } from "../../core/market/mod.ts";
import type { BookSink } from "./feed.ts";

/** Options of {@link DepthSync}. */
export interface DepthSyncOptions {
  /** Fetches a full book (Binance: `GET /api/v3/depth?symbol=&limit=1000`). */
  snapshot: (symbol: string) => Promise<BookSnapshot>;
  /** Hears the top levels after every update applied. */
  sink: BookSink;
  /** Levels per side handed to the sink (default 100). */
  levels?: number;
  /** Least time between two snapshots of one symbol, in ms (default 1000). */
  retryMs?: number;
  /** Hears each snapshot loaded. */
  onSync?: (symbol: string) => void;
  /**
   * Hears the whole book just after each sync (the snapshot with the buffered
   * diffs applied) and the time of its last update: what a recording needs to
   * replay the diffs that follow.
   */
  onSynced?: (symbol: string, book: BookSnapshot, time: number) => void;
  /** Hears why a diff or snapshot was not used (`book_gap`, `book_crossed`, `book_snapshot_failed`). */
  onProblem?: (reason: string) => void;
}

interface Pending {
  diff: BookDiff;
  time: number;
}

interface SymbolBook {
  book: OrderBook;
  buffer: Pending[];
  loading: boolean;
  lastLoad: number;
  timer?: ReturnType<typeof setTimeout>;
}

/** Buffered diffs kept per symbol while a snapshot is on its way. */
const MAX_BUFFER = 2000;

/** Local L2 books following depth diffs (see the module note). */
export class DepthSync {
  #options: DepthSyncOptions;
  #levels: number;
  #retryMs: number;
  #books = new Map<string, SymbolBook>();
  #closed = false;

  constructor(options: DepthSyncOptions) {
    this.#options = options;
    this.#levels = options.levels ?? 100;
    this.#retryMs = options.retryMs ?? 1000;
  }

  /** Takes one diff of `symbol` with its event time. */
  diff(symbol: string, diff: BookDiff, time: number): void {
    if (this.#closed) return;
    let state = this.#books.get(symbol);
    if (!state) {
      state = { book: new OrderBook(), buffer: [], loading: false, lastLoad: -Infinity };
      this.#books.set(symbol, state);
    }
    if (state.book.synced) {
      const result = state.book.apply(diff);
      if (result === "applied") return this.#emit(symbol, state, time);
      if (result === "stale") return;
      this.#options.onProblem?.(`book_${result}`);
    }
    state.buffer.push({ diff, time });
    if (state.buffer.length > MAX_BUFFER) state.buffer.shift();
    if (!state.loading) this.#load(symbol, state);
  }

  /** Marks every book out of sync (diffs were missed, e.g. while reconnecting). */
  reset(): void {
    for (const state of this.#books.values()) {
      clearTimeout(state.timer);
      state.book = new OrderBook();
      state.buffer = [];
      state.loading = false;
    }
  }

  /** Drops the book of a symbol no longer followed. */
  forget(symbol: string): void {
    clearTimeout(this.#books.get(symbol)?.timer);
    this.#books.delete(symbol);
  }

  /** Stops: pending snapshots are ignored. */
  close(): void {
    this.#closed = true;
    for (const state of this.#books.values()) clearTimeout(state.timer);
    this.#books.clear();
  }

  #load(symbol: string, state: SymbolBook): void {
    state.loading = true;
    const wait = state.lastLoad + this.#retryMs - performance.now();
    state.timer = setTimeout(async () => {
      state.lastLoad = performance.now();
      let snapshot: BookSnapshot;
      try {
        snapshot = await this.#options.snapshot(symbol);
      } catch {
        this.#options.onProblem?.("book_snapshot_failed");
        return this.#retry(symbol, state);
      }
      if (this.#closed || this.#books.get(symbol) !== state || !state.loading) return;
      if (!state.book.load(snapshot)) {
        this.#options.onProblem?.("book_crossed");
        return this.#retry(symbol, state);
      }
      this.#options.onSync?.(symbol);
      const buffered = state.buffer;
      state.buffer = [];
      let time = buffered.at(-1)?.time;
      for (let i = 0; i < buffered.length; i++) {
        const result = state.book.apply(buffered[i].diff);
        if (result === "gap" || result === "crossed") {
          // The snapshot is older than the buffered diffs, or they are broken: start again.
          this.#options.onProblem?.(`book_${result}`);
          state.buffer = buffered.slice(i);
          return this.#retry(symbol, state);
        }
        if (result === "applied") time = buffered[i].time;
      }
      state.loading = false;
      if (time === undefined) return;
      if (this.#options.onSynced) {
        const whole = state.book.levels(Infinity);
        this.#options.onSynced(symbol, { lastUpdateId: state.book.lastUpdateId, ...whole }, time);
      }
      this.#emit(symbol, state, time);
    }, Math.max(0, wait));
  }

  #retry(symbol: string, state: SymbolBook): void {
    if (this.#closed || this.#books.get(symbol) !== state) return;
    this.#load(symbol, state);
  }

  #emit(symbol: string, state: SymbolBook, time: number): void {
    const { bids, asks } = state.book.levels(this.#levels);
    const updateId = state.book.lastUpdateId;
    this.#options.sink({ type: "book", symbol, updateId, time, bids, asks });
  }
}
