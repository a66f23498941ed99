/**
 * A bounded time series for charts: values are bucketed by time, the bucket
 * width doubles whenever the series would exceed its point budget, so memory
 * stays O(budget) whatever the length of the run.
 */

/** One bucket: `[time, low, high, last]` (time = the last value's time). */
export type SeriesPoint = [time: number, low: number, high: number, last: number];

/**
 * A value at a time, as {@link Downsampler.add} takes it: in an object (a
 * reused one), because numbers handed to a call that is not inlined are boxed.
 */
export interface SeriesValue {
  readonly time: number;
  readonly value: number;
}

/**
 * Keeps at most `maxPoints` buckets of a time series (low, high and last value
 * of each), column by column in one typed array: no allocation per value or
 * per bucket (the open bucket, where nearly every value lands, in fields).
 */
export class Downsampler {
  readonly #max: number;
  #width: number;
  /** Bucket `i` is `#data[4i .. 4i+3]` = time, low, high, last. */
  readonly #data: Float64Array;
  #count = 0;
  /**
   * The open bucket (the last one) in fields: a value merged into it writes
   * no typed array; {@link #flush} writes it into {@link #data}.
   */
  #time = NaN;
  #low = NaN;
  #high = NaN;
  #last = NaN;
  #bucket = -Infinity;
  /**
   * Times in `[#from, #to]` fall in the open bucket for sure: most values are
   * placed by two comparisons, without the division of {@link #opened}
   * (empty while no bucket is open, see {@link #bound}).
   */
  #from = Infinity;
  #to = -Infinity;

  /** `widthMs` is the starting bucket width (doubled as needed). */
  constructor(options: { maxPoints?: number; widthMs?: number } = {}) {
    this.#max = Math.max(2, options.maxPoints ?? 2000);
    this.#width = Math.max(1, options.widthMs ?? 1000);
    this.#data = new Float64Array(this.#max * 4);
  }

  /**
   * Adds a value at its time (times must not go backwards). A value inside
   * the open bucket (nearly every one) is merged here, without a call: this
   * path is inlined into the caller's loop, where every call's bytecode would
   * count against the compiler's inlining budget.
   */
  add(point: SeriesValue): void {
    const time = point.time;
    if (!(time >= this.#from && time <= this.#to) && this.#opened(point)) return;
    const value = point.value;
    this.#time = time;
    if (value < this.#low) this.#low = value;
    if (value > this.#high) this.#high = value;
    this.#last = value;
  }

  /**
   * Opens a bucket with the value when its time (found by division) lies
   * outside the open one, compacting as needed; false when the value belongs
   * to the open bucket. Numbers stay in this call or in fields (a number
   * handed to a call that is not inlined, or returned from one, is boxed).
   */
  #opened(point: SeriesValue): boolean {
    if (Math.floor(point.time / this.#width) === this.#bucket) return false;
    this.#flush();
    if (this.#count >= this.#max) {
      while (this.#count >= this.#max) this.#compact();
      if (Math.floor(point.time / this.#width) === this.#bucket) return false;
    }
    const value = point.value;
    this.#bucket = Math.floor(point.time / this.#width);
    this.#bound();
    this.#count++;
    this.#time = point.time;
    this.#low = value;
    this.#high = value;
    this.#last = value;
    return true;
  }

  /**
   * Sets {@link #from} and {@link #to} to times that the division of
   * {@link #opened} puts in the open bucket whatever its rounding: the
   * bucket's edges drawn in by a margin (2⁻⁴⁸ of the upper edge) far wider
   * than the few roundings of the edges and of the division; times in the
   * margins take the division. Empty for a bucket below 1 or edges out of
   * range (every time divides then). Each bound is written on its own branch:
   * a number chosen by a condition is boxed.
   */
  #bound(): void {
    const bucket = this.#bucket;
    const upper = (bucket + 1) * this.#width;
    if (bucket >= 1 && upper < Infinity) {
      const margin = upper * 2 ** -48;
      this.#from = bucket * this.#width + margin;
      this.#to = upper - margin;
    } else {
      this.#from = Infinity;
      this.#to = -Infinity;
    }
  }

  /** Writes the open bucket to {@link #data}. */
  #flush(): void {
    if (this.#count === 0) return;
    const d = this.#data;
    const p = (this.#count - 1) * 4;
    d[p] = this.#time;
    d[p + 1] = this.#low;
    d[p + 2] = this.#high;
    d[p + 3] = this.#last;
  }

  /** Reads the open bucket back from {@link #data}. */
  #reload(): void {
    if (this.#count === 0) return;
    const d = this.#data;
    const p = (this.#count - 1) * 4;
    this.#time = d[p];
    this.#low = d[p + 1];
    this.#high = d[p + 2];
    this.#last = d[p + 3];
  }

  /** The buckets, oldest first (copies). */
  points(): SeriesPoint[] {
    this.#flush();
    const d = this.#data;
    const out: SeriesPoint[] = [];
    for (let p = 0; p < this.#count * 4; p += 4) out.push([d[p], d[p + 1], d[p + 2], d[p + 3]]);
    return out;
  }

  /** Doubles the bucket width and merges neighbouring buckets in place. */
  #compact(): void {
    this.#width *= 2;
    const d = this.#data;
    let merged = 0;
    let bucket = -Infinity;
    for (let p = 0; p < this.#count * 4; p += 4) {
      const b = Math.floor(d[p] / this.#width);
      if (b === bucket) {
        const last = (merged - 1) * 4;
        d[last] = d[p];
        d[last + 1] = Math.min(d[last + 1], d[p + 1]);
        d[last + 2] = Math.max(d[last + 2], d[p + 2]);
        d[last + 3] = d[p + 3];
      } else {
        d.copyWithin(merged++ * 4, p, p + 4);
        bucket = b;
      }
    }
    this.#count = merged;
    this.#bucket = bucket;
    this.#bound();
    this.#reload();
  }
}
