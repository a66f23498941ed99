/**
 * The receiving end of the market bus (used inside session workers): takes
 * each symbol's batches from the hub's shared ring (see bus_ring.ts) through
 * a {@link BusReader} (its own, or one it shares with the other subscribers
 * of its thread, which then reads and decodes each batch once for all),
 * woken when one is published, and delivers every event exactly once and in
 * order per symbol, from its own start point. A reader that fell more than the ring behind (its next batch
 * overwritten) counts an overrun and recovers the missing batches through the
 * caller's own port to the hub; batches the hub no longer retains either are
 * a gap given up on, reported. The hub bumps a heartbeat counter in each
 * ring: a counter that stands still for {@link BusSubscriberOptions.hubTimeoutMs}
 * (checked whenever the reader wakes, at least every second) means the hub is
 * down or its thread stalled, and is reported once until it moves again.
 */
import type { BusBatch, BusEvent } from "./bus.ts";
import { BusReader, type BusTap } from "./bus_reader.ts";

/** Options of {@link BusSubscriber}. */
export interface BusSubscriberOptions {
  symbols: readonly string[];
  /** Per symbol, the hub's shared ring (`hub.ring(symbol)`). */
  rings: Record<string, SharedArrayBuffer>;
  /** Per symbol, the last seq already seen (from `hub.lastSeq`); otherwise starts after the newest. */
  startAfter?: Record<string, number>;
  /** Receives events in order, per batch, with the batch's seq and symbol. */
  onEvents: (events: readonly BusEvent[], seq: number, symbol: string) => void;
  /** Called after the batches available at once were delivered (to act on them together). */
  onDrained?: () => void;
  /** Asks the hub for batches [from, to]; answer with {@link BusSubscriber.deliverRecovered}. */
  requestRecovery: (symbol: string, from: number, to: number) => void;
  /** Hears gaps given up on (events of those batches are lost). */
  onUnrecoverable?: (symbol: string, from: number, to: number) => void;
  /** Hears that a symbol's hub heartbeat stood still for `silentMs` (hub down or stalled). */
  onHubDown?: (symbol: string, silentMs: number) => void;
  /** Hears that the heartbeat moves again after {@link onHubDown}. */
  onHubUp?: (symbol: string) => void;
  /** A heartbeat standing still this long means the hub is down (default 5000 ms). */
  hubTimeoutMs?: number;
  /** Give up on a recovery after this many ms (default 5000). */
  gapTimeoutMs?: number;
  /** The thread's shared reader (default: one of its own). */
  reader?: BusReader;
}

interface SymbolState extends BusTap {
  readonly symbol: string;
  /** The heartbeat stood still too long (reported). */
  hubDown: boolean;
  next: number;
  /** The batches asked of the hub, while a recovery is under way. */
  range?: readonly [number, number];
  recovering: boolean;
  timer?: ReturnType<typeof setTimeout>;
}

/** Ordered, exactly-once delivery of bus batches from shared rings, with recovery. */
export class BusSubscriber {
  /**
   * Events delivered, recoveries asked (gaps), batches recovered, gaps given
   * up, and times the reader found its next batch overwritten (overruns).
   */
  readonly stats = { delivered: 0, gaps: 0, recovered: 0, unrecoverable: 0, overruns: 0 };
  #options: BusSubscriberOptions;
  #reader: BusReader;
  #states = new Map<string, SymbolState>();
  #gapTimeoutMs: number;
  #hubTimeoutMs: number;

  constructor(options: BusSubscriberOptions) {
    this.#options = options;
    this.#reader = options.reader ?? new BusReader();
    this.#gapTimeoutMs = options.gapTimeoutMs ?? 5000;
    this.#hubTimeoutMs = options.hubTimeoutMs ?? 5000;
    for (const symbol of options.symbols) {
      if (!options.rings[symbol]) throw new TypeError(`no bus ring for ${symbol}`);
    }
    for (const symbol of options.symbols) {
      const buffer = options.rings[symbol];
      const state = this.#tap(
        symbol,
        (options.startAfter?.[symbol] ?? this.#reader.published(symbol, buffer)) + 1,
      );
      this.#states.set(symbol, state);
      this.#reader.join(symbol, buffer, state);
    }
  }

  /** This subscriber's place in `symbol`'s batches, starting at `next`. */
  #tap(symbol: string, next: number): SymbolState {
    const state: SymbolState = {
      symbol,
      hubDown: false,
      next,
      recovering: false,
      deliver: (events, seq) => this.#deliver(state, events, seq),
      overrun: (from, to) => {
        this.stats.overruns++;
        this.#recover(state, from, to);
      },
      drained: () => this.#options.onDrained?.(),
      heartbeat: (silentMs) => this.#heartbeat(state, silentMs),
    };
    return state;
  }

  /** Reports the hub down when its heartbeat stood still too long, and back when it moves. */
  #heartbeat(state: SymbolState, silentMs: number): void {
    if (silentMs === 0) {
      if (state.hubDown) {
        state.hubDown = false;
        this.#options.onHubUp?.(state.symbol);
      }
    } else if (!state.hubDown && silentMs >= this.#hubTimeoutMs) {
      state.hubDown = true;
      this.#options.onHubDown?.(state.symbol, silentMs);
    }
  }

  #deliver(state: SymbolState, events: readonly BusEvent[], seq: number): void {
    state.next = seq + 1;
    this.stats.delivered += events.length;
    this.#options.onEvents(events, seq, state.symbol);
  }

  #recover(state: SymbolState, from: number, to: number): void {
    state.range = [from, to];
    state.recovering = true;
    this.stats.gaps++;
    state.timer = setTimeout(() => this.#giveUp(state), this.#gapTimeoutMs);
    this.#options.requestRecovery(state.symbol, from, to);
  }

  /** Declares the batches of the open recovery lost and moves on past them. */
  #giveUp(state: SymbolState): void {
    const range = state.range;
    if (!range) return;
    this.#endRecovery(state);
    if (range[1] >= state.next) {
      const from = state.next;
      state.next = range[1] + 1;
      this.stats.unrecoverable++;
      this.#options.onUnrecoverable?.(state.symbol, from, range[1]);
    }
    this.#reader.pump(state.symbol);
  }

  #endRecovery(state: SymbolState): void {
    clearTimeout(state.timer);
    state.timer = undefined;
    state.range = undefined;
    state.recovering = false;
  }

  /**
   * Feeds the batches the main thread sent back for the open recovery of the
   * symbol (or null = unrecoverable), then goes on reading the ring.
   */
  deliverRecovered(symbol: string, batches: BusBatch[] | null): void {
    const state = this.#states.get(symbol);
    if (!state?.range) return;
    if (batches === null) return this.#giveUp(state);
    let delivered = false;
    for (const batch of batches) {
      if (batch.seq !== state.next) continue; // only the next one, in order
      this.#deliver(state, batch.events, batch.seq);
      this.stats.recovered++;
      delivered = true;
    }
    if (state.next <= state.range[1]) return this.#giveUp(state);
    this.#endRecovery(state);
    if (delivered) this.#options.onDrained?.();
    this.#reader.pump(symbol);
  }

  /** Stops reading: ends the timers, and leaves the reader. */
  close(): void {
    for (const state of this.#states.values()) {
      clearTimeout(state.timer);
      this.#reader.leave(state.symbol, state);
    }
    this.#states.clear();
  }
}
