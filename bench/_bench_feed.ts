/**
 * A feed for benchmarks: emits trades on demand, one exchange millisecond
 * apart, and remembers the wall-clock instant each one entered the hub so a
 * fill can be traced back to the trade that caused it.
 */
import type { Candle, SymbolFilters, Trade } from "../engine/core/types.ts";
import type { Feed, FeedSink, FeedStatus } from "../engine/runtime/market/mod.ts";

/** Exchange time of the first benchmark trade. */
export const BENCH_T0 = 1_800_000_000_000;

/** High-resolution wall clock in ms (comparable across threads). */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

/** A controllable feed; `emitted[i]` is when trade i (exchange time BENCH_T0 + i) was sent. */
export class BenchFeed implements Feed {
  readonly name = "sim" as const;
  readonly simulated = true;
  readonly emitted: number[] = [];
  #sink?: FeedSink;
  #symbols: readonly string[] = [];
  #next = 0;

  start(symbols: readonly string[], sink: FeedSink): Promise<void> {
    this.#symbols = symbols;
    this.#sink = sink;
    return Promise.resolve();
  }

  /** Sends one trade per symbol at the next exchange millisecond; returns its index. */
  emit(): number {
    const i = this.#next++;
    const time = BENCH_T0 + i;
    this.emitted[i] = wallNow();
    for (const symbol of this.#symbols) {
      const trade: Trade = {
        type: "trade",
        symbol,
        id: i + 1,
        price: 100 + Math.sin(i / 50),
        qty: 1,
        time,
        buyerMaker: i % 2 === 0,
      };
      this.#sink!(trade);
    }
    return i;
  }

  /** Emits `perSecond` trades per second for `seconds` (in 5 ms slices). */
  async stream(perSecond: number, seconds: number): Promise<void> {
    const slice = 5;
    const perSlice = Math.max(1, Math.round(perSecond * slice / 1000));
    const end = performance.now() + seconds * 1000;
    while (performance.now() < end) {
      const started = performance.now();
      for (let k = 0; k < perSlice; k++) this.emit();
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, slice - (performance.now() - started)))
      );
    }
  }

  subscribe(): void {}
  unsubscribe(): void {}
  history(): Promise<Candle[]> {
    return Promise.resolve([]);
  }
  filters(): Promise<SymbolFilters | undefined> {
    return Promise.resolve(undefined);
  }
  status(): FeedStatus {
    return {
      name: "sim",
      simulated: true,
      connected: true,
      last_event_at: null,
      reconnects: 0,
      gaps: [],
      dropped: {},
      events: this.#next,
    };
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** A strategy that trades on every 1-second candle close: in when flat, out when long. */
export const FLIP_STRATEGY = {
  version: 1,
  name: "bench-flip",
  timeframe: "1s",
  entry: { long: { gt: ["close", 0] } },
  exit: { long: { gt: ["close", 0] } },
  sizing: { type: "fixed_notional", value: 50 },
};
