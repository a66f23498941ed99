/**
 * The receiving end of the market bus (used inside session workers): listens
 * to the symbols' channels, delivers every event exactly once and in order per
 * symbol, detects lost batches (by seq, and by heartbeat for a lost trailing
 * batch) and recovers them through the caller's own port to the hub.
 */
import { unpackBatch } from "./bus_codec.ts";
import { type BusBatch, busChannelName, type BusEvent, type BusMessage } from "./bus.ts";

/** Options of {@link BusSubscriber}. */
export interface BusSubscriberOptions {
  symbols: readonly string[];
  /** Per symbol, the last seq already seen (from `hub.lastSeq`); otherwise starts at the first message. */
  startAfter?: Record<string, number>;
  /** Receives events in order, per batch, with the batch's seq and symbol. */
  onEvents: (events: readonly BusEvent[], seq: number, symbol: string) => void;
  /** Asks the hub for batches [from, to]; answer with {@link BusSubscriber.deliverRecovered}. */
  requestRecovery: (symbol: string, from: number, to: number) => void;
  /** Hears gaps given up on (events of those batches are lost). */
  onUnrecoverable?: (symbol: string, from: number, to: number) => void;
  /** Channel namespace; must match the hub's (default none). */
  namespace?: string;
  /** Give up on a gap after this many ms (default 5000). */
  gapTimeoutMs?: number;
  /** Give up on a gap when more batches than this are held behind it (default 4096). */
  maxHeld?: number;
}

interface SymbolState {
  symbol: string;
  channel: BroadcastChannel;
  /** Next seq to deliver (undefined until the first message when no startAfter). */
  next?: number;
  held: Map<number, BusBatch>;
  /** Highest seq already requested for recovery. */
  requested: number;
  requests: [number, number][];
  timer?: ReturnType<typeof setTimeout>;
}

/** Ordered, exactly-once delivery of bus batches with gap recovery. */
export class BusSubscriber {
  /** Events delivered, gaps detected (recovery requests), batches recovered, gaps given up. */
  readonly stats = { delivered: 0, gaps: 0, recovered: 0, unrecoverable: 0 };
  #options: BusSubscriberOptions;
  #states = new Map<string, SymbolState>();
  #gapTimeoutMs: number;
  #maxHeld: number;

  constructor(options: BusSubscriberOptions) {
    this.#options = options;
    this.#gapTimeoutMs = options.gapTimeoutMs ?? 5000;
    this.#maxHeld = options.maxHeld ?? 4096;
    for (const symbol of options.symbols) {
      const after = options.startAfter?.[symbol];
      const state: SymbolState = {
        symbol,
        channel: new BroadcastChannel(busChannelName(symbol, options.namespace)),
        next: after === undefined ? undefined : after + 1,
        held: new Map(),
        requested: after ?? 0,
        requests: [],
      };
      state.channel.onmessage = (e: MessageEvent<BusMessage>) => this.#receive(state, e.data);
      this.#states.set(symbol, state);
    }
  }

  #receive(state: SymbolState, message: BusMessage): void {
    if ("heartbeat" in message) {
      if (state.next === undefined) {
        state.next = message.seq + 1;
        state.requested = message.seq;
      } else if (message.seq >= state.next) {
        this.#request(state, message.seq);
      }
      return;
    }
    this.#batch(state, unpackBatch(message));
  }

  #batch(state: SymbolState, batch: BusBatch): boolean {
    if (state.next === undefined) {
      state.next = batch.seq;
      state.requested = batch.seq - 1;
    }
    if (batch.seq < state.next || state.held.has(batch.seq)) return false;
    if (batch.seq === state.next) {
      this.#deliver(state, batch);
      this.#drain(state);
    } else {
      state.held.set(batch.seq, batch);
      this.#request(state, batch.seq - 1);
      // A held batch needs no request of its own.
      state.requested = Math.max(state.requested, batch.seq);
      if (state.held.size > this.#maxHeld) this.#giveUp(state);
    }
    return true;
  }

  #deliver(state: SymbolState, batch: BusBatch): void {
    state.next = batch.seq + 1;
    this.stats.delivered += batch.events.length;
    this.#options.onEvents(batch.events, batch.seq, state.symbol);
  }

  #drain(state: SymbolState): void {
    for (let b = state.held.get(state.next!); b; b = state.held.get(state.next!)) {
      state.held.delete(b.seq);
      this.#deliver(state, b);
    }
    if (state.held.size === 0 && state.requested < state.next!) this.#clearTimer(state);
  }

  #request(state: SymbolState, upTo: number): void {
    if (upTo <= state.requested) return;
    const from = Math.max(state.next!, state.requested + 1);
    state.requested = upTo;
    state.requests.push([from, upTo]);
    this.stats.gaps++;
    state.timer ??= setTimeout(() => this.#timeout(state), this.#gapTimeoutMs);
    this.#options.requestRecovery(state.symbol, from, upTo);
  }

  #timeout(state: SymbolState): void {
    state.timer = undefined;
    this.#giveUp(state);
    if (state.held.size > 0 || state.requested >= state.next!) {
      state.timer = setTimeout(() => this.#timeout(state), this.#gapTimeoutMs);
    }
  }

  /** Declares the gap before the first held batch (or up to the last request) lost, and moves on. */
  #giveUp(state: SymbolState): void {
    const target = state.held.size > 0 ? Math.min(...state.held.keys()) - 1 : state.requested;
    this.#skip(state, target);
  }

  #skip(state: SymbolState, to: number): void {
    if (to < state.next!) return;
    const from = state.next!;
    state.next = to + 1;
    this.stats.unrecoverable++;
    this.#options.onUnrecoverable?.(state.symbol, from, to);
    this.#drain(state);
  }

  #clearTimer(state: SymbolState): void {
    clearTimeout(state.timer);
    state.timer = undefined;
  }

  /**
   * Feeds the batches the main thread sent back for the oldest open recovery
   * request of the symbol (or null = unrecoverable). Delivery stays in order.
   */
  deliverRecovered(symbol: string, batches: BusBatch[] | null): void {
    const state = this.#states.get(symbol);
    if (!state) return;
    const range = state.requests.shift();
    if (batches === null) {
      if (range) this.#skip(state, range[1]);
      return;
    }
    for (const batch of batches) if (this.#batch(state, batch)) this.stats.recovered++;
  }

  /** Closes the channels and timers. */
  close(): void {
    for (const state of this.#states.values()) {
      state.channel.close();
      this.#clearTimer(state);
    }
    this.#states.clear();
  }
}
