/**
 * The receiving end of the market bus (used inside session workers): reads
 * each symbol's batches from the hub's shared ring (see bus_ring.ts), woken
 * when one is published, and delivers every event exactly once and in order
 * per symbol. A reader that fell more than the ring behind (its next batch
 * overwritten) counts an overrun and recovers the missing batches through the
 * caller's own port to the hub; batches the hub no longer retains either are
 * a gap given up on, reported. The hub bumps a heartbeat counter in each
 * ring: a counter that stands still for {@link BusSubscriberOptions.hubTimeoutMs}
 * (checked whenever the reader wakes, at least every second) means the hub is
 * down or its thread stalled, and is reported once until it moves again.
 */
import type { BusBatch, BusEvent } from "./bus.ts";
import { BusRingReader } from "./bus_ring.ts";

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
}

/** How long one wait for the ring lasts before it is renewed (also bounds a missed wake-up). */
const WAIT_MS = 1_000;

interface SymbolState {
  readonly symbol: string;
  readonly ring: BusRingReader;
  /** The hub's heartbeat counter when last seen, and when (`performance.now()`) it last moved. */
  beats: number;
  beatAt: number;
  /** The heartbeat stood still too long (reported). */
  hubDown: boolean;
  /** Next seq to deliver. */
  next: number;
  /** The batches asked of the hub, while a recovery is under way. */
  recovering?: readonly [number, number];
  timer?: ReturnType<typeof setTimeout>;
  /** A wait for the ring is pending. */
  waiting: boolean;
}

/** Ordered, exactly-once delivery of bus batches from shared rings, with recovery. */
export class BusSubscriber {
  /**
   * Events delivered, recoveries asked (gaps), batches recovered, gaps given
   * up, and times the reader found its next batch overwritten (overruns).
   */
  readonly stats = { delivered: 0, gaps: 0, recovered: 0, unrecoverable: 0, overruns: 0 };
  #options: BusSubscriberOptions;
  #states = new Map<string, SymbolState>();
  #gapTimeoutMs: number;
  #hubTimeoutMs: number;
  #closed = false;

  constructor(options: BusSubscriberOptions) {
    this.#options = options;
    this.#gapTimeoutMs = options.gapTimeoutMs ?? 5000;
    this.#hubTimeoutMs = options.hubTimeoutMs ?? 5000;
    for (const symbol of options.symbols) {
      const buffer = options.rings[symbol];
      if (!buffer) throw new TypeError(`no bus ring for ${symbol}`);
      const ring = new BusRingReader(buffer, symbol);
      this.#states.set(symbol, {
        symbol,
        ring,
        beats: ring.beats(),
        beatAt: performance.now(),
        hubDown: false,
        next: (options.startAfter?.[symbol] ?? ring.published()) + 1,
        waiting: false,
      });
    }
    // Not before the constructor returns: the caller gets to finish its own setup first.
    queueMicrotask(() => {
      for (const state of this.#states.values()) this.#pump(state);
    });
  }

  /** Delivers every batch published and not yet delivered, then waits for the next one. */
  #pump(state: SymbolState): void {
    if (this.#closed) return;
    this.#watchHub(state);
    if (state.recovering) return;
    const published = state.ring.published();
    let delivered = false;
    while (state.next <= published) {
      const seq = state.next;
      const events = state.ring.read(seq);
      if (events === undefined) {
        this.stats.overruns++;
        this.#recover(state, seq, published);
        break;
      }
      this.#deliver(state, events, seq);
      delivered = true;
    }
    if (delivered) this.#options.onDrained?.();
    this.#wait(state, published);
  }

  /** Reports the hub down when its heartbeat stood still too long, and back when it moves. */
  #watchHub(state: SymbolState): void {
    const beats = state.ring.beats();
    const now = performance.now();
    if (beats !== state.beats) {
      state.beats = beats;
      state.beatAt = now;
      if (state.hubDown) {
        state.hubDown = false;
        this.#options.onHubUp?.(state.symbol);
      }
    } else if (!state.hubDown && now - state.beatAt >= this.#hubTimeoutMs) {
      state.hubDown = true;
      this.#options.onHubDown?.(state.symbol, now - state.beatAt);
    }
  }

  /** Waits for a batch after `published` (the newest one seen). */
  #wait(state: SymbolState, published: number): void {
    if (state.waiting || this.#closed || state.recovering) return;
    state.waiting = true;
    state.ring.wait(published, WAIT_MS).then(() => {
      state.waiting = false;
      this.#pump(state);
    });
  }

  #deliver(state: SymbolState, events: readonly BusEvent[], seq: number): void {
    state.next = seq + 1;
    this.stats.delivered += events.length;
    this.#options.onEvents(events, seq, state.symbol);
  }

  #recover(state: SymbolState, from: number, to: number): void {
    state.recovering = [from, to];
    this.stats.gaps++;
    state.timer = setTimeout(() => this.#giveUp(state), this.#gapTimeoutMs);
    this.#options.requestRecovery(state.symbol, from, to);
  }

  /** Declares the batches of the open recovery lost and moves on past them. */
  #giveUp(state: SymbolState): void {
    const range = state.recovering;
    if (!range) return;
    this.#endRecovery(state);
    if (range[1] >= state.next) {
      const from = state.next;
      state.next = range[1] + 1;
      this.stats.unrecoverable++;
      this.#options.onUnrecoverable?.(state.symbol, from, range[1]);
    }
    this.#pump(state);
  }

  #endRecovery(state: SymbolState): void {
    clearTimeout(state.timer);
    state.timer = undefined;
    state.recovering = undefined;
  }

  /**
   * Feeds the batches the main thread sent back for the open recovery of the
   * symbol (or null = unrecoverable), then goes on reading the ring.
   */
  deliverRecovered(symbol: string, batches: BusBatch[] | null): void {
    const state = this.#states.get(symbol);
    if (!state?.recovering) return;
    if (batches === null) return this.#giveUp(state);
    let delivered = false;
    for (const batch of batches) {
      if (batch.seq !== state.next) continue; // only the next one, in order
      this.#deliver(state, batch.events, batch.seq);
      this.stats.recovered++;
      delivered = true;
    }
    if (state.next <= state.recovering[1]) return this.#giveUp(state);
    this.#endRecovery(state);
    if (delivered) this.#options.onDrained?.();
    this.#pump(state);
  }

  /** Stops reading: ends the timers and ring waits. */
  close(): void {
    this.#closed = true;
    for (const state of this.#states.values()) {
      clearTimeout(state.timer);
      if (state.waiting) state.ring.wake();
    }
    this.#states.clear();
  }
}
