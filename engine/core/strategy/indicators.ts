/**
 * The streaming indicators of the DSL, each matching TA-Lib's definition from
 * its first reported value (see docs/dsl.md for the seeding choices).
 *
 * They run once per candle, too rarely to be fully optimised, where a number
 * handed to or returned from a call that is not inlined is boxed (a heap
 * allocation), and so is a number chosen by a condition (`c ? 0 : x`) or
 * carried around a loop in a local: numbers cross calls in typed arrays,
 * results are stored by branch and loop sums are kept in typed arrays.
 *
 * @module
 */

import type { Bar, Indicator } from "./indicator.ts";
import { EmaKernel, SmaKernel, TrueRange, WindowExtreme, WmaKernel } from "./kernels.ts";

/** Values closer to zero than this count as zero (TA-Lib's TA_IS_ZERO). */
const ZERO = 1e-8;

/** Shared state of every indicator: NaN outputs until ready. */
abstract class Base implements Indicator {
  readonly out: Float64Array;
  ready = false;
  /** A single output's fresh value, published by {@link publish}. */
  protected readonly value = new Float64Array(1);
  constructor(outputs: number) {
    this.out = new Float64Array(outputs).fill(NaN);
  }
  abstract update(bar: Bar, input: Float64Array, at: number): void;
  /** Publishes `from[0]` (by default {@link value}) as the output when it is defined. */
  protected publish(from: Float64Array = this.value): void {
    const value = from[0];
    if (value === value) {
      this.out[0] = value;
      this.ready = true;
    }
  }
}

/** Simple moving average. */
export class Sma extends Base {
  #sma: SmaKernel;
  /** SMA over `period` inputs. */
  constructor(period: number) {
    super(1);
    this.#sma = new SmaKernel(period);
  }
  /** Consumes one input. */
  update(_bar: Bar, input: Float64Array, at: number): void {
    this.#sma.push(input, at);
    this.publish(this.#sma.out);
  }
}

/** Exponential moving average, TA-Lib seeded (first value = SMA of the first `period` inputs). */
export class Ema extends Base {
  #ema: EmaKernel;
  /** EMA over `period` inputs. */
  constructor(period: number) {
    super(1);
    this.#ema = new EmaKernel(period);
  }
  /** Consumes one input. */
  update(_bar: Bar, input: Float64Array, at: number): void {
    this.#ema.push(input, at);
    this.publish(this.#ema.out);
  }
}

/** Linearly weighted moving average. */
export class Wma extends Base {
  #wma: WmaKernel;
  /** WMA over `period` inputs. */
  constructor(period: number) {
    super(1);
    this.#wma = new WmaKernel(period);
  }
  /** Consumes one input. */
  update(_bar: Bar, input: Float64Array, at: number): void {
    this.#wma.push(input, at);
    this.publish(this.#wma.out);
  }
}

/** Double EMA: 2·EMA − EMA(EMA), both TA-Lib seeded; first value after 2·period − 1 inputs. */
export class Dema extends Base {
  #ema1: EmaKernel;
  #ema2: EmaKernel;
  /** DEMA over `period`. */
  constructor(period: number) {
    super(1);
    this.#ema1 = new EmaKernel(period);
    this.#ema2 = new EmaKernel(period);
  }
  /** Consumes one input. */
  update(_bar: Bar, input: Float64Array, at: number): void {
    const ema1 = this.#ema1.out;
    this.#ema1.push(input, at);
    if (ema1[0] !== ema1[0]) return;
    this.#ema2.push(ema1, 0);
    this.value[0] = 2 * ema1[0] - this.#ema2.out[0];
    this.publish();
  }
}

/** Relative strength index with Wilder smoothing (first averages = SMA of the first `period` changes). */
export class Rsi extends Base {
  #period: number;
  #count = 0;
  #prev = NaN;
  #gain = 0;
  #loss = 0;
  /** This input's gain and loss (fields, not locals chosen by a condition: see the module doc). */
  #up = 0;
  #down = 0;
  /** RSI over `period` changes. */
  constructor(period: number) {
    super(1);
    this.#period = period;
  }
  /** Consumes one input. */
  update(_bar: Bar, input: Float64Array, at: number): void {
    const x = input[at];
    const prev = this.#prev;
    this.#prev = x;
    if (prev !== prev) return;
    const change = x - prev;
    const n = this.#period;
    this.#up = 0;
    this.#down = 0;
    if (change > 0) this.#up = change;
    else if (change < 0) this.#down = -change;
    const gain = this.#up;
    const loss = this.#down;
    if (this.#count < n) {
      this.#gain += gain;
      this.#loss += loss;
      if (++this.#count < n) return;
      this.#gain /= n;
      this.#loss /= n;
    } else {
      this.#gain = (this.#gain * (n - 1) + gain) / n;
      this.#loss = (this.#loss * (n - 1) + loss) / n;
    }
    const total = this.#gain + this.#loss;
    if (total < ZERO) this.value[0] = 0;
    else this.value[0] = 100 * this.#gain / total;
    this.publish();
  }
}

/**
 * MACD as TA-Lib computes it: both EMAs are SMA-seeded and aligned on the slow
 * one (the fast EMA starts after the first slow − fast inputs, so both seed
 * windows end on the same input); outputs appear once the signal EMA is seeded.
 * Outputs: macd, signal, histogram.
 */
export class Macd extends Base {
  #skip: number;
  #fast: EmaKernel;
  #slow: EmaKernel;
  #signal: EmaKernel;
  /** MACD with the given periods (fast < slow). */
  constructor(fast: number, slow: number, signal: number) {
    super(3);
    this.#skip = slow - fast;
    this.#fast = new EmaKernel(fast);
    this.#slow = new EmaKernel(slow);
    this.#signal = new EmaKernel(signal);
  }
  /** Consumes one input. */
  update(_bar: Bar, input: Float64Array, at: number): void {
    const slow = this.#slow.out;
    this.#slow.push(input, at);
    if (this.#skip > 0) {
      this.#skip--;
      return;
    }
    this.#fast.push(input, at);
    if (slow[0] !== slow[0]) return;
    const macd = this.value;
    macd[0] = this.#fast.out[0] - slow[0];
    this.#signal.push(macd, 0);
    const signal = this.#signal.out[0];
    if (signal !== signal) return;
    this.out[0] = macd[0];
    this.out[1] = signal;
    this.out[2] = macd[0] - signal;
    this.ready = true;
  }
}

/** Bollinger bands: SMA middle ± `stddev` × population standard deviation. Outputs: upper, middle, lower. */
export class Bollinger extends Base {
  #window: Float64Array;
  #index = 0;
  #count = 0;
  #sum = 0;
  #sumSq = 0;
  #multiple: number;
  /** Bands over `period` inputs. */
  constructor(period: number, multiple: number) {
    super(3);
    this.#window = new Float64Array(period);
    this.#multiple = multiple;
  }
  /** Consumes one input. */
  update(_bar: Bar, input: Float64Array, at: number): void {
    const x = input[at];
    const window = this.#window;
    const n = window.length;
    if (this.#count === n) {
      const old = window[this.#index];
      this.#sum -= old;
      this.#sumSq -= old * old;
    } else this.#count++;
    window[this.#index] = x;
    this.#sum += x;
    this.#sumSq += x * x;
    this.#index = this.#index + 1 === n ? 0 : this.#index + 1;
    if (this.#count < n) return;
    const mean = this.#sum / n;
    const variance = this.#sumSq / n - mean * mean;
    const deviation = this.value;
    deviation[0] = 0;
    if (variance > 0) deviation[0] = Math.sqrt(variance);
    const band = this.#multiple * deviation[0];
    this.out[0] = mean + band;
    this.out[1] = mean;
    this.out[2] = mean - band;
    this.ready = true;
  }
}

/** Average true range, Wilder smoothed; the first bar's TR is high − low and the first ATR is the mean of the first `period` TRs. */
export class Atr extends Base {
  #period: number;
  #count = 0;
  #trueRange = new TrueRange();
  #atr = 0;
  /** ATR over `period` bars. */
  constructor(period: number) {
    super(1);
    this.#period = period;
  }
  /** Consumes one bar. */
  update(bar: Bar): void {
    this.#trueRange.push(bar);
    const tr = this.#trueRange.out[0];
    const n = this.#period;
    if (this.#count < n) {
      this.#atr += tr;
      if (++this.#count < n) return;
      this.#atr /= n;
    } else this.#atr = (this.#atr * (n - 1) + tr) / n;
    this.value[0] = this.#atr;
    this.publish();
  }
}

/** Average directional index exactly as TA-Lib's ADX (Wilder sums of ±DM and TR, DX averaged); first value on bar 2·period − 1. */
export class Adx extends Base {
  #period: number;
  #bars = 0;
  #prevHigh = NaN;
  #prevLow = NaN;
  #trueRange = new TrueRange();
  #plusDm = 0;
  #minusDm = 0;
  #tr = 0;
  #sumDx = 0;
  #adx = NaN;
  /** This bar's DX (NaN when undefined). */
  #dx = NaN;
  /** ADX over `period`. */
  constructor(period: number) {
    super(1);
    this.#period = period;
  }
  /** Consumes one bar. */
  update(bar: Bar): void {
    const n = this.#period;
    const bars = this.#bars++;
    const diffP = bar.high - this.#prevHigh;
    const diffM = this.#prevLow - bar.low;
    this.#prevHigh = bar.high;
    this.#prevLow = bar.low;
    this.#trueRange.push(bar);
    if (bars === 0) return;
    const smoothing = bars >= n;
    if (smoothing) {
      this.#plusDm -= this.#plusDm / n;
      this.#minusDm -= this.#minusDm / n;
      this.#tr -= this.#tr / n;
    }
    if (diffM > 0 && diffP < diffM) this.#minusDm += diffM;
    else if (diffP > 0 && diffP > diffM) this.#plusDm += diffP;
    this.#tr += this.#trueRange.out[0];
    if (!smoothing) return;
    this.#dx = NaN;
    if (Math.abs(this.#tr) >= ZERO) {
      const minusDi = 100 * this.#minusDm / this.#tr;
      const plusDi = 100 * this.#plusDm / this.#tr;
      const sum = minusDi + plusDi;
      if (Math.abs(sum) >= ZERO) this.#dx = 100 * Math.abs(minusDi - plusDi) / sum;
    }
    const dx = this.#dx;
    if (bars < 2 * n - 1) {
      if (dx === dx) this.#sumDx += dx;
      return;
    }
    if (bars === 2 * n - 1) {
      if (dx === dx) this.#sumDx += dx;
      this.#adx = this.#sumDx / n;
    } else if (dx === dx) this.#adx = (this.#adx * (n - 1) + dx) / n;
    this.value[0] = this.#adx;
    this.publish();
  }
}

/** Stochastic oscillator (TA-Lib STOCH with SMA smoothing). Outputs: k (slow %K), d (slow %D). */
export class Stoch extends Base {
  #highest: WindowExtreme;
  #lowest: WindowExtreme;
  #k: SmaKernel;
  #d: SmaKernel;
  /** STOCH with fast %K, slow %K and slow %D periods. */
  constructor(fastK: number, slowK: number, slowD: number) {
    super(2);
    this.#highest = new WindowExtreme(fastK);
    this.#lowest = new WindowExtreme(fastK, { min: true });
    this.#k = new SmaKernel(slowK);
    this.#d = new SmaKernel(slowD);
  }
  /** Consumes one bar. */
  update(bar: Bar): void {
    const value = this.value;
    value[0] = bar.high;
    this.#highest.push(value, 0);
    value[0] = bar.low;
    this.#lowest.push(value, 0);
    const hh = this.#highest.out[0];
    const ll = this.#lowest.out[0];
    if (hh !== hh) return;
    const range = hh - ll;
    const fastK = value;
    fastK[0] = 0;
    if (range > 0) fastK[0] = (bar.close - ll) / range * 100;
    this.#k.push(fastK, 0);
    const k = this.#k.out;
    if (k[0] !== k[0]) return;
    this.#d.push(k, 0);
    const d = this.#d.out[0];
    if (d !== d) return;
    this.out[0] = k[0];
    this.out[1] = d;
    this.ready = true;
  }
}

/** Commodity channel index over the typical price, with mean absolute deviation (O(period) per bar). */
export class Cci extends Base {
  #window: Float64Array;
  #index = 0;
  #count = 0;
  #sum = 0;
  /** CCI over `period` bars. */
  constructor(period: number) {
    super(1);
    this.#window = new Float64Array(period);
  }
  /** Consumes one bar. */
  update(bar: Bar): void {
    const tp = (bar.high + bar.low + bar.close) / 3;
    const window = this.#window;
    const n = window.length;
    if (this.#count === n) this.#sum -= window[this.#index];
    else this.#count++;
    window[this.#index] = tp;
    this.#sum += tp;
    this.#index = this.#index + 1 === n ? 0 : this.#index + 1;
    if (this.#count < n) return;
    const mean = this.#sum / n;
    const sum = this.value;
    sum[0] = 0;
    for (let i = 0; i < n; i++) sum[0] += Math.abs(window[i] - mean);
    const deviation = sum[0] / n;
    const diff = tp - mean;
    if (diff !== 0 && deviation !== 0) this.value[0] = diff / (0.015 * deviation);
    else this.value[0] = 0;
    this.publish();
  }
}

/** On-balance volume; starts at the first bar's volume (as TA-Lib). */
export class Obv extends Base {
  #prevClose = NaN;
  #obv = 0;
  /** OBV has no parameters. */
  constructor() {
    super(1);
  }
  /** Consumes one bar. */
  update(bar: Bar): void {
    const prev = this.#prevClose;
    this.#prevClose = bar.close;
    if (prev !== prev) this.#obv = bar.volume;
    else if (bar.close > prev) this.#obv += bar.volume;
    else if (bar.close < prev) this.#obv -= bar.volume;
    this.value[0] = this.#obv;
    this.publish();
  }
}

const DAY_MS = 86_400_000;

/** Volume-weighted average price, cumulative within a UTC day (resets on the first bar of each UTC day). */
export class Vwap extends Base {
  #day = NaN;
  #pv = 0;
  #volume = 0;
  /** VWAP has no parameters. */
  constructor() {
    super(1);
  }
  /** Consumes one bar; its input is the selected source (hlc3 by default). */
  update(bar: Bar, input: Float64Array, at: number): void {
    const price = input[at];
    const day = Math.floor(bar.openTime / DAY_MS);
    if (day !== this.#day) {
      this.#day = day;
      this.#pv = 0;
      this.#volume = 0;
    }
    this.#pv += price * bar.volume;
    this.#volume += bar.volume;
    if (this.#volume > 0) this.value[0] = this.#pv / this.#volume;
    else this.value[0] = price;
    this.publish();
  }
}

/** Rate of change in percent: (x / x[period ago] − 1) · 100 (0 when the old value is 0, as TA-Lib). */
export class Roc extends Base {
  #window: Float64Array;
  #index = 0;
  #count = 0;
  /** ROC over `period` inputs. */
  constructor(period: number) {
    super(1);
    this.#window = new Float64Array(period);
  }
  /** Consumes one input. */
  update(_bar: Bar, input: Float64Array, at: number): void {
    const x = input[at];
    const window = this.#window;
    const old = window[this.#index];
    const full = this.#count === window.length;
    window[this.#index] = x;
    this.#index = this.#index + 1 === window.length ? 0 : this.#index + 1;
    if (!full) {
      this.#count++;
      return;
    }
    if (old !== 0) this.value[0] = (x / old - 1) * 100;
    else this.value[0] = 0;
    this.publish();
  }
}

/** Z-score: (x − mean) / population standard deviation over `period` inputs (0 when they are all equal). */
export class ZScore extends Base {
  #window: Float64Array;
  #index = 0;
  #count = 0;
  /** Z-score over `period` inputs. */
  constructor(period: number) {
    super(1);
    this.#window = new Float64Array(period);
  }
  /** Consumes one input (sums recomputed over the window: exact, O(period)). */
  update(_bar: Bar, input: Float64Array, at: number): void {
    const x = input[at];
    const window = this.#window;
    const n = window.length;
    window[this.#index] = x;
    this.#index = this.#index + 1 === n ? 0 : this.#index + 1;
    if (this.#count < n) this.#count++;
    if (this.#count < n) return;
    const sum = this.value;
    sum[0] = 0;
    for (let i = 0; i < n; i++) sum[0] += window[i];
    const mean = sum[0] / n;
    sum[0] = 0;
    for (let i = 0; i < n; i++) sum[0] += (window[i] - mean) * (window[i] - mean);
    const sd = Math.sqrt(sum[0] / n);
    if (sd > ZERO * Math.max(1, Math.abs(mean))) this.value[0] = (x - mean) / sd;
    else this.value[0] = 0;
    this.publish();
  }
}
