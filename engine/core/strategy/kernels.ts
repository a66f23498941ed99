/**
 * Small incremental building blocks shared by the indicators: rolling SMA,
 * TA-Lib-seeded EMA, rolling WMA, a monotonic-deque window extreme and the
 * true range.
 * Each `push` is O(1) (amortised for the extreme) and leaves its result in
 * `out[0]`, NaN until the window is full.
 *
 * Numbers go in and out through typed arrays, never as arguments or return
 * values: per-candle code runs too rarely to be fully optimised, and a number
 * handed to or returned from a call that is not inlined is boxed (a heap
 * allocation per candle).
 *
 * @module
 */

import type { Bar } from "./indicator.ts";

/** Rolling simple moving average over `period` inputs. */
export class SmaKernel {
  /** The average of the last `period` inputs (NaN before that). */
  readonly out = new Float64Array([NaN]);
  #window: Float64Array;
  #index = 0;
  #count = 0;
  #sum = 0;

  /** Creates an SMA over `period` inputs. */
  constructor(period: number) {
    this.#window = new Float64Array(period);
  }

  /** Adds `input[at]`. */
  push(input: Float64Array, at: number): void {
    const x = input[at];
    const window = this.#window;
    const n = window.length;
    if (this.#count === n) this.#sum -= window[this.#index];
    else this.#count++;
    window[this.#index] = x;
    this.#sum += x;
    this.#index = this.#index + 1 === n ? 0 : this.#index + 1;
    if (this.#count === n) this.out[0] = this.#sum / n;
  }
}

/** Exponential moving average seeded like TA-Lib: the first value is the SMA of the first `period` inputs, then k = 2/(period+1). */
export class EmaKernel {
  /** The EMA (NaN during the seeding window). */
  readonly out = new Float64Array([NaN]);
  #period: number;
  #k: number;
  #count = 0;
  #value = 0;

  /** Creates an EMA over `period` inputs. */
  constructor(period: number) {
    this.#period = period;
    this.#k = 2 / (period + 1);
  }

  /** Adds `input[at]`. */
  push(input: Float64Array, at: number): void {
    const x = input[at];
    if (this.#count >= this.#period) {
      this.#value += this.#k * (x - this.#value);
      this.out[0] = this.#value;
      return;
    }
    this.#value += x;
    if (++this.#count < this.#period) return;
    this.#value /= this.#period;
    this.out[0] = this.#value;
  }
}

/** Rolling linearly weighted moving average (weights 1..period, newest heaviest). */
export class WmaKernel {
  /** The WMA of the last `period` inputs (NaN before that). */
  readonly out = new Float64Array([NaN]);
  #window: Float64Array;
  #index = 0;
  #count = 0;
  #sum = 0;
  #weighted = 0;
  #divisor: number;

  /** Creates a WMA over `period` inputs. */
  constructor(period: number) {
    this.#window = new Float64Array(period);
    this.#divisor = period * (period + 1) / 2;
  }

  /** Adds `input[at]`. */
  push(input: Float64Array, at: number): void {
    const x = input[at];
    const window = this.#window;
    const n = window.length;
    if (this.#count === n) {
      // Every weight drops by one (−sum), the oldest leaves, x enters with weight n.
      this.#weighted += n * x - this.#sum;
      this.#sum += x - window[this.#index];
    } else {
      this.#count++;
      this.#weighted += this.#count * x;
      this.#sum += x;
    }
    window[this.#index] = x;
    this.#index = this.#index + 1 === n ? 0 : this.#index + 1;
    if (this.#count === n) this.out[0] = this.#weighted / this.#divisor;
  }
}

/** Maximum (or minimum) of the last `period` inputs, by a monotonic deque (amortised O(1)). */
export class WindowExtreme {
  /** The extreme of the last `period` inputs (NaN before that). */
  readonly out = new Float64Array([NaN]);
  #values: Float64Array;
  #seqs: Float64Array;
  #head = 0;
  #size = 0;
  #seq = 0;
  #sign: number;

  /** Tracks the maximum of the last `period` inputs, or the minimum when `options.min`. */
  constructor(period: number, options: { min?: boolean } = {}) {
    this.#values = new Float64Array(period);
    this.#seqs = new Float64Array(period);
    this.#sign = options.min ? -1 : 1;
  }

  /** Adds `input[at]`. */
  push(input: Float64Array, at: number): void {
    const cap = this.#values.length;
    const seq = this.#seq++;
    const v = this.#sign * input[at];
    while (this.#size > 0) {
      const back = (this.#head + this.#size - 1) % cap;
      if (this.#values[back] > v) break;
      this.#size--;
    }
    while (this.#size > 0 && this.#seqs[this.#head] <= seq - cap) {
      this.#head = this.#head + 1 === cap ? 0 : this.#head + 1;
      this.#size--;
    }
    const slot = (this.#head + this.#size) % cap;
    this.#values[slot] = v;
    this.#seqs[slot] = seq;
    this.#size++;
    if (this.#seq >= cap) this.out[0] = this.#sign * this.#values[this.#head];
  }
}

/** True range of each bar against the previous bar's close (high − low on the first bar). */
export class TrueRange {
  /** The last bar's true range (NaN before the first). */
  readonly out = new Float64Array([NaN]);
  #prevClose = NaN;

  /** Takes the next bar. */
  push(bar: Readonly<Bar>): void {
    const range = bar.high - bar.low;
    const prevClose = this.#prevClose;
    this.#prevClose = bar.close;
    if (prevClose !== prevClose) this.out[0] = range;
    else {
      this.out[0] = Math.max(range, Math.abs(bar.high - prevClose), Math.abs(bar.low - prevClose));
    }
  }
}
