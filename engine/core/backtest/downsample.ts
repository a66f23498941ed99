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
 * per bucket.
 */
export class Downsampler {
  readonly #max: number;
  #width: number;
  /** Bucket `i` is `#data[4i .. 4i+3]` = time, low, high, last. */
  readonly #data: Float64Array;
  #count = 0;
  #bucket = -Infinity;

  /** `widthMs` is the starting bucket width (doubled as needed). */
  constructor(options: { maxPoints?: number; widthMs?: number } = {}) {
    this.#max = Math.max(2, options.maxPoints ?? 2000);
    this.#width = Math.max(1, options.widthMs ?? 1000);
    this.#data = new Float64Array(this.#max * 4);
  }

  /** Adds a value at its time (times must not go backwards). */
  add(point: SeriesValue): void {
    const { time, value } = point;
    let bucket = Math.floor(time / this.#width);
    if (bucket !== this.#bucket && this.#count >= this.#max) {
      while (this.#count >= this.#max) this.#compact();
      bucket = Math.floor(time / this.#width);
    }
    const d = this.#data;
    if (bucket === this.#bucket) {
      const p = (this.#count - 1) * 4;
      d[p] = time;
      if (value < d[p + 1]) d[p + 1] = value;
      if (value > d[p + 2]) d[p + 2] = value;
      d[p + 3] = value;
      return;
    }
    this.#bucket = bucket;
    const p = this.#count++ * 4;
    d[p] = time;
    d[p + 1] = value;
    d[p + 2] = value;
    d[p + 3] = value;
  }

  /** The buckets, oldest first (copies). */
  points(): SeriesPoint[] {
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
  }
}
