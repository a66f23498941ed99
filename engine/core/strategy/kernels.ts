/**
 * Small incremental building blocks shared by the indicators: rolling SMA,
 * TA-Lib-seeded EMA, rolling WMA and a monotonic-deque window extreme.
 * Each `push` is O(1) (amortised for the extreme) and returns NaN until the
 * window is full.
 *
 * @module
 */

/** Rolling simple moving average over `period` inputs. */
export class SmaKernel {
  #window: Float64Array;
  #index = 0;
  #count = 0;
  #sum = 0;

  /** Creates an SMA over `period` inputs. */
  constructor(period: number) {
    this.#window = new Float64Array(period);
  }

  /** Adds `x`; returns the average of the last `period` inputs, or NaN before that. */
  push(x: number): number {
    const window = this.#window;
    const n = window.length;
    if (this.#count === n) this.#sum -= window[this.#index];
    else this.#count++;
    window[this.#index] = x;
    this.#sum += x;
    this.#index = this.#index + 1 === n ? 0 : this.#index + 1;
    return this.#count === n ? this.#sum / n : NaN;
  }
}

/** Exponential moving average seeded like TA-Lib: the first value is the SMA of the first `period` inputs, then k = 2/(period+1). */
export class EmaKernel {
  #period: number;
  #k: number;
  #count = 0;
  #value = 0;

  /** Creates an EMA over `period` inputs. */
  constructor(period: number) {
    this.#period = period;
    this.#k = 2 / (period + 1);
  }

  /** Adds `x`; returns the EMA, or NaN during the seeding window. */
  push(x: number): number {
    if (this.#count >= this.#period) {
      this.#value += this.#k * (x - this.#value);
      return this.#value;
    }
    this.#value += x;
    if (++this.#count < this.#period) return NaN;
    this.#value /= this.#period;
    return this.#value;
  }
}

/** Rolling linearly weighted moving average (weights 1..period, newest heaviest). */
export class WmaKernel {
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

  /** Adds `x`; returns the WMA, or NaN before `period` inputs. */
  push(x: number): number {
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
    return this.#count === n ? this.#weighted / this.#divisor : NaN;
  }
}

/** Maximum (or minimum) of the last `period` inputs, by a monotonic deque (amortised O(1)). */
export class WindowExtreme {
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

  /** Adds `x`; returns the extreme of the last `period` inputs, or NaN before that. */
  push(x: number): number {
    const cap = this.#values.length;
    const seq = this.#seq++;
    const v = this.#sign * x;
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
    return this.#seq >= cap ? this.#sign * this.#values[this.#head] : NaN;
  }
}
