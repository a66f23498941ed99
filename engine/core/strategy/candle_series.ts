/**
 * One timeframe's candles for an evaluator: the candle being formed from
 * trades (or from smaller closed candles) by the shared
 * {@link CandleAggregator}, and a ring buffer of the last closed ones. No
 * allocation after construction.
 *
 * @module
 */

import type { Candle, Timeframe } from "../types.ts";
import { CandleAggregator } from "../market/candle_aggregator.ts";
import type { Bar } from "./indicator.ts";

/** Closed candles kept per timeframe. */
export const CANDLE_WINDOW = 500;

/**
 * The last closed candle, one object rewritten per candle: a class of its
 * own with numbers from the start, whose fields are rewritten in place (the
 * object literal it replaces boxed every store: 128 bytes per candle).
 */
class BarView implements Bar {
  openTime = -Infinity;
  closeTime = -Infinity;
  open = NaN;
  high = NaN;
  low = NaN;
  close = NaN;
  volume = NaN;
}

/** Forming candle plus a rolling window of closed candles of one timeframe. */
export class CandleSeries {
  /** The timeframe. */
  readonly timeframe: Timeframe;
  /** Its duration in ms. */
  readonly ms: number;
  /** The forming candle. */
  readonly aggregator: CandleAggregator;
  /** The last closed candle (reused view; NaN fields before the first). */
  readonly bar: Bar = new BarView();
  /** True once closed candles of this timeframe were fed directly (no more aggregation). */
  external = false;

  #ring = {
    openTime: new Float64Array(CANDLE_WINDOW),
    closeTime: new Float64Array(CANDLE_WINDOW),
    open: new Float64Array(CANDLE_WINDOW),
    high: new Float64Array(CANDLE_WINDOW),
    low: new Float64Array(CANDLE_WINDOW),
    close: new Float64Array(CANDLE_WINDOW),
    volume: new Float64Array(CANDLE_WINDOW),
  };
  #next = 0;
  #count = 0;

  /** Creates an empty series of `timeframe`. */
  constructor(timeframe: Timeframe) {
    this.timeframe = timeframe;
    this.aggregator = new CandleAggregator(timeframe);
    this.ms = this.aggregator.ms;
  }

  /** Closes the forming candle into the window. */
  closeForming(): void {
    const a = this.aggregator;
    a.closeForming();
    this.push(a);
  }

  /** From now on closed candles of this timeframe are fed directly: drops the forming one. */
  feedDirectly(): void {
    this.external = true;
    this.aggregator.discard();
  }

  /**
   * Appends a closed candle (also becomes {@link bar}; moves up to its end are
   * late from now on). It takes the candle's fields in an object: numbers
   * handed to a call that is not inlined are boxed (an allocation per candle).
   */
  push(candle: Readonly<Bar>): void {
    const { openTime, closeTime, open, high, low, close, volume } = candle;
    const i = this.#next;
    const ring = this.#ring;
    ring.openTime[i] = openTime;
    ring.closeTime[i] = closeTime;
    ring.open[i] = open;
    ring.high[i] = high;
    ring.low[i] = low;
    ring.close[i] = close;
    ring.volume[i] = volume;
    this.#next = i + 1 === CANDLE_WINDOW ? 0 : i + 1;
    if (this.#count < CANDLE_WINDOW) this.#count++;
    const bar = this.bar;
    bar.openTime = openTime;
    bar.closeTime = closeTime;
    bar.open = open;
    bar.high = high;
    bar.low = low;
    bar.close = close;
    bar.volume = volume;
    this.aggregator.seal(closeTime);
  }

  /** The closed candles in the window, oldest first (new objects). */
  candles(symbol: string): Candle[] {
    const ring = this.#ring;
    const out: Candle[] = [];
    const start = (this.#next - this.#count + CANDLE_WINDOW) % CANDLE_WINDOW;
    for (let k = 0; k < this.#count; k++) {
      const i = (start + k) % CANDLE_WINDOW;
      out.push({
        type: "candle",
        symbol,
        timeframe: this.timeframe,
        openTime: ring.openTime[i],
        closeTime: ring.closeTime[i],
        open: ring.open[i],
        high: ring.high[i],
        low: ring.low[i],
        close: ring.close[i],
        volume: ring.volume[i],
        closed: true,
      });
    }
    return out;
  }
}
