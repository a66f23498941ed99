/**
 * One exchange-time order over several symbols' bus batches, for a portfolio
 * session's worker: each symbol's channel delivers its own events in order,
 * but batches of different symbols arrive in any order, and one wallet must
 * see its symbols' events in the order a backtest merges them (by time; equal
 * times in the order of the session's symbols).
 *
 * An event is passed on once no other symbol can still deliver an earlier
 * one: that symbol has an event held that is not earlier, or has already
 * delivered one later (equal when it comes after in the symbol order). A
 * symbol that stays quiet holds the others back for `holdMs` (wall clock)
 * from when the waiting event arrived (a live stream may lag behind another),
 * and after that as long as it may still deliver an event the hub took before
 * the waiting one: until the hub flush that published the waiting batch has
 * completed (the hub publishes a full batch at once and the other symbols'
 * events at the end of its turn, however late its thread runs) and this
 * merge was given every batch the quiet symbol published (its reader may run
 * late too). The rings' headers tell both. A replay, whose events the hub
 * takes in time order, so merges exactly whatever the load. A hub that stops
 * (its thread stalled, its heartbeat standing still) holds them at most
 * `stallMs` from their arrival.
 *
 * @module
 */
import type { BusEvent } from "./bus.ts";
import { BusRingReader } from "./bus_ring.ts";

/** How often an event past its hold checks again whether the hub's flush is complete. */
const RECHECK_MS = 50;

/** Exchange ms of a bus event (a candle's close). */
function timeOf(event: BusEvent): number {
  return event.type === "candle" ? event.closeTime : event.time;
}

interface Held {
  readonly seq: number;
  readonly events: readonly BusEvent[];
  /** Wall ms when the batch arrived. */
  readonly at: number;
  next: number;
}

/** Options of {@link TimeMerge}. */
export interface TimeMergeOptions {
  /** The symbols, in the order that breaks ties of equal times. */
  readonly symbols: readonly string[];
  /** Wait (wall ms) for a quiet symbol before an event goes on without it, once the hub has published all before it. */
  readonly holdMs: number;
  /** Longest wait (wall ms) of an event for the hub to publish all before it (the hub stalled). */
  readonly stallMs: number;
  /** Per symbol, the hub's shared ring (`hub.ring(symbol)`): its header tells how far the hub published. */
  readonly rings: Record<string, SharedArrayBuffer>;
  /** Per symbol, the seq the symbol's batches follow (the bus subscriber's start). */
  readonly startAfter: Record<string, number>;
  /** Receives each event, in merged order. */
  readonly onEvent: (event: BusEvent) => void;
  /** Hears that every event of a symbol's batch `seq` has been passed on. */
  readonly onBatchDone: (symbol: string, seq: number) => void;
}

/** Merges per-symbol batches into one time order (see the module doc). */
export class TimeMerge {
  readonly #options: TimeMergeOptions;
  readonly #queues: Held[][];
  /** Per symbol, the time of the latest event received (-Infinity before one). */
  readonly #seen: number[];
  /** Per symbol, the seq of the latest batch received. */
  readonly #received: number[];
  readonly #rings: BusRingReader[];
  readonly #index = new Map<string, number>();

  constructor(options: TimeMergeOptions) {
    this.#options = options;
    this.#queues = options.symbols.map(() => []);
    this.#seen = options.symbols.map(() => -Infinity);
    this.#received = options.symbols.map((symbol) => {
      const seq = options.startAfter[symbol];
      if (seq === undefined) throw new TypeError(`no bus start for ${symbol}`);
      return seq;
    });
    this.#rings = options.symbols.map((symbol) => {
      const buffer = options.rings[symbol];
      if (!buffer) throw new TypeError(`no bus ring for ${symbol}`);
      return new BusRingReader(buffer, symbol);
    });
    options.symbols.forEach((symbol, i) => this.#index.set(symbol, i));
  }

  /** Holds a symbol's batch (in seq order per symbol); an empty one marks lost batches up to `seq`. */
  push(symbol: string, events: readonly BusEvent[], seq: number, now: number): void {
    const i = this.#index.get(symbol);
    if (i === undefined) return;
    this.#queues[i].push({ seq, events, at: now, next: 0 });
    this.#received[i] = seq;
    if (events.length > 0) {
      this.#seen[i] = Math.max(this.#seen[i], timeOf(events[events.length - 1]));
    }
  }

  /**
   * Passes on every event that may go at wall time `now`; returns in how
   * many ms to call again for the next held event (it may go by then), or
   * undefined when nothing is held.
   */
  drain(now: number): number | undefined {
    const queues = this.#queues;
    for (;;) {
      this.#finishBatches();
      let best = -1;
      let bestTime = Infinity;
      for (let i = 0; i < queues.length; i++) {
        const head = queues[i][0];
        if (head === undefined) continue;
        const time = timeOf(head.events[head.next]);
        if (time < bestTime) [best, bestTime] = [i, time];
      }
      if (best < 0) return undefined;
      const head = queues[best][0];
      if (!this.#safe(best, bestTime)) {
        const wait = head.at + this.#options.holdMs - now;
        if (wait > 0) return wait;
        const stalled = head.at + this.#options.stallMs - now;
        if (stalled > 0 && !this.#published(best, head.seq)) return Math.min(RECHECK_MS, stalled);
      }
      this.#options.onEvent(head.events[head.next++]);
    }
  }

  /** Reports and drops the batches at the heads of the queues that are done (or empty). */
  #finishBatches(): void {
    for (let i = 0; i < this.#queues.length; i++) {
      const queue = this.#queues[i];
      while (queue.length > 0 && queue[0].next >= queue[0].events.length) {
        this.#options.onBatchDone(this.#options.symbols[i], queue.shift()!.seq);
      }
    }
  }

  /** Whether no other symbol can still deliver an event that goes before symbol `i`'s at `time`. */
  #safe(i: number, time: number): boolean {
    for (let j = 0; j < this.#queues.length; j++) {
      if (j === i || this.#queues[j].length > 0) continue;
      const seen = this.#seen[j];
      if (j < i ? seen <= time : seen < time) return false;
    }
    return true;
  }

  /**
   * Whether every other symbol without a held event has no event left that
   * the hub took before symbol `i`'s batch `seq`: the flush that published
   * that batch has completed, and this merge has received every batch those
   * symbols' rings show (read after the flush, so they count its batches).
   */
  #published(i: number, seq: number): boolean {
    if (this.#rings[i].flushed() < seq) return false;
    for (let j = 0; j < this.#queues.length; j++) {
      if (j === i || this.#queues[j].length > 0) continue;
      if (this.#rings[j].published() > this.#received[j]) return false;
    }
    return true;
  }
}
