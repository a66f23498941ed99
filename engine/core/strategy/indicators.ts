/**
 * The streaming indicators of the DSL, each matching TA-Lib's definition from
 * its first reported value (see docs/dsl.md for the seeding choices).
 *
 * @module
 */

import type { Bar, Indicator } from "./indicator.ts";
import { EmaKernel, SmaKernel, WindowExtreme, WmaKernel } from "./kernels.ts";

/** Values closer to zero than this count as zero (TA-Lib's TA_IS_ZERO). */
const ZERO = 1e-8;

/** Shared state of every indicator: NaN outputs until ready. */
abstract class Base implements Indicator {
  readonly out: Float64Array;
  ready = false;
  constructor(outputs: number) {
    this.out = new Float64Array(outputs).fill(NaN);
  }
  abstract update(bar: Bar, x: number): void;
  /** Publishes one output value when it is defined. */
  protected set(value: number): void {
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
  update(_bar: Bar, x: number): void {
    this.set(this.#sma.push(x));
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
  update(_bar: Bar, x: number): void {
    this.set(this.#ema.push(x));
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
  update(_bar: Bar, x: number): void {
    this.set(this.#wma.push(x));
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
  update(_bar: Bar, x: number): void {
    const e1 = this.#ema1.push(x);
    if (e1 !== e1) return;
    this.set(2 * e1 - this.#ema2.push(e1));
  }
}

/** Relative strength index with Wilder smoothing (first averages = SMA of the first `period` changes). */
export class Rsi extends Base {
  #period: number;
  #count = 0;
  #prev = NaN;
  #gain = 0;
  #loss = 0;
  /** RSI over `period` changes. */
  constructor(period: number) {
    super(1);
    this.#period = period;
  }
  /** Consumes one input. */
  update(_bar: Bar, x: number): void {
    const prev = this.#prev;
    this.#prev = x;
    if (prev !== prev) return;
    const change = x - prev;
    const gain = change > 0 ? change : 0;
    const loss = change < 0 ? -change : 0;
    const n = this.#period;
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
    this.set(total < ZERO ? 0 : 100 * this.#gain / total);
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
  update(_bar: Bar, x: number): void {
    const slow = this.#slow.push(x);
    if (this.#skip > 0) {
      this.#skip--;
      return;
    }
    const fast = this.#fast.push(x);
    if (slow !== slow) return;
    const macd = fast - slow;
    const signal = this.#signal.push(macd);
    if (signal !== signal) return;
    this.out[0] = macd;
    this.out[1] = signal;
    this.out[2] = macd - signal;
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
  update(_bar: Bar, x: number): void {
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
    const band = this.#multiple * (variance > 0 ? Math.sqrt(variance) : 0);
    this.out[0] = mean + band;
    this.out[1] = mean;
    this.out[2] = mean - band;
    this.ready = true;
  }
}

/** True range of a bar given the previous close (high − low when there is none). */
function trueRange(bar: Bar, prevClose: number): number {
  const range = bar.high - bar.low;
  if (prevClose !== prevClose) return range;
  return Math.max(range, Math.abs(bar.high - prevClose), Math.abs(bar.low - prevClose));
}

/** Average true range, Wilder smoothed; the first bar's TR is high − low and the first ATR is the mean of the first `period` TRs. */
export class Atr extends Base {
  #period: number;
  #count = 0;
  #prevClose = NaN;
  #atr = 0;
  /** ATR over `period` bars. */
  constructor(period: number) {
    super(1);
    this.#period = period;
  }
  /** Consumes one bar. */
  update(bar: Bar): void {
    const tr = trueRange(bar, this.#prevClose);
    this.#prevClose = bar.close;
    const n = this.#period;
    if (this.#count < n) {
      this.#atr += tr;
      if (++this.#count < n) return;
      this.#atr /= n;
    } else this.#atr = (this.#atr * (n - 1) + tr) / n;
    this.set(this.#atr);
  }
}

/** Average directional index exactly as TA-Lib's ADX (Wilder sums of ±DM and TR, DX averaged); first value on bar 2·period − 1. */
export class Adx extends Base {
  #period: number;
  #bars = 0;
  #prevHigh = NaN;
  #prevLow = NaN;
  #prevClose = NaN;
  #plusDm = 0;
  #minusDm = 0;
  #tr = 0;
  #sumDx = 0;
  #adx = NaN;
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
    const prevClose = this.#prevClose;
    this.#prevHigh = bar.high;
    this.#prevLow = bar.low;
    this.#prevClose = bar.close;
    if (bars === 0) return;
    const smoothing = bars >= n;
    if (smoothing) {
      this.#plusDm -= this.#plusDm / n;
      this.#minusDm -= this.#minusDm / n;
      this.#tr -= this.#tr / n;
    }
    if (diffM > 0 && diffP < diffM) this.#minusDm += diffM;
    else if (diffP > 0 && diffP > diffM) this.#plusDm += diffP;
    this.#tr += trueRange(bar, prevClose);
    if (!smoothing) return;
    let dx = NaN;
    if (Math.abs(this.#tr) >= ZERO) {
      const minusDi = 100 * this.#minusDm / this.#tr;
      const plusDi = 100 * this.#plusDm / this.#tr;
      const sum = minusDi + plusDi;
      if (Math.abs(sum) >= ZERO) dx = 100 * Math.abs(minusDi - plusDi) / sum;
    }
    if (bars < 2 * n - 1) {
      if (dx === dx) this.#sumDx += dx;
      return;
    }
    if (bars === 2 * n - 1) {
      if (dx === dx) this.#sumDx += dx;
      this.#adx = this.#sumDx / n;
    } else if (dx === dx) this.#adx = (this.#adx * (n - 1) + dx) / n;
    this.set(this.#adx);
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
    const hh = this.#highest.push(bar.high);
    const ll = this.#lowest.push(bar.low);
    if (hh !== hh) return;
    const range = hh - ll;
    const fastK = range > 0 ? (bar.close - ll) / range * 100 : 0;
    const k = this.#k.push(fastK);
    if (k !== k) return;
    const d = this.#d.push(k);
    if (d !== d) return;
    this.out[0] = k;
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
    let deviation = 0;
    for (let i = 0; i < n; i++) deviation += Math.abs(window[i] - mean);
    deviation /= n;
    const diff = tp - mean;
    this.set(diff !== 0 && deviation !== 0 ? diff / (0.015 * deviation) : 0);
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
    this.set(this.#obv);
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
  /** Consumes one bar; `price` is the selected source (hlc3 by default). */
  update(bar: Bar, price: number): void {
    const day = Math.floor(bar.openTime / DAY_MS);
    if (day !== this.#day) {
      this.#day = day;
      this.#pv = 0;
      this.#volume = 0;
    }
    this.#pv += price * bar.volume;
    this.#volume += bar.volume;
    this.set(this.#volume > 0 ? this.#pv / this.#volume : price);
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
  update(_bar: Bar, x: number): void {
    const window = this.#window;
    const old = window[this.#index];
    const full = this.#count === window.length;
    window[this.#index] = x;
    this.#index = this.#index + 1 === window.length ? 0 : this.#index + 1;
    if (!full) {
      this.#count++;
      return;
    }
    this.set(old !== 0 ? (x / old - 1) * 100 : 0);
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
  update(_bar: Bar, x: number): void {
    const window = this.#window;
    const n = window.length;
    window[this.#index] = x;
    this.#index = this.#index + 1 === n ? 0 : this.#index + 1;
    if (this.#count < n) this.#count++;
    if (this.#count < n) return;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += window[i];
    const mean = sum / n;
    let squares = 0;
    for (let i = 0; i < n; i++) squares += (window[i] - mean) * (window[i] - mean);
    const sd = Math.sqrt(squares / n);
    this.set(sd > ZERO * Math.max(1, Math.abs(mean)) ? (x - mean) / sd : 0);
  }
}
