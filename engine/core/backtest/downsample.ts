/**
 * A bounded time series for charts: values are bucketed by time, the bucket
 * width doubles whenever the series would exceed its point budget, so memory
 * stays O(budget) whatever the length of the run.
 */

/** One bucket: `[time, low, high, last]` (time = the last value's time). */
export type SeriesPoint = [time: number, low: number, high: number, last: number];

/** Keeps at most `maxPoints` buckets of a time series (low, high and last value of each). */
export class Downsampler {
  readonly #max: number;
  #width: number;
  #points: SeriesPoint[] = [];
  #bucket = -Infinity;

  /** `widthMs` is the starting bucket width (doubled as needed). */
  constructor(options: { maxPoints?: number; widthMs?: number } = {}) {
    this.#max = Math.max(2, options.maxPoints ?? 2000);
    this.#width = Math.max(1, options.widthMs ?? 1000);
  }

  /** Adds a value at `time` (times must not go backwards). */
  add(time: number, value: number): void {
    let bucket = Math.floor(time / this.#width);
    if (bucket !== this.#bucket && this.#points.length >= this.#max) {
      while (this.#points.length >= this.#max) this.#compact();
      bucket = Math.floor(time / this.#width);
    }
    const points = this.#points;
    if (bucket === this.#bucket) {
      const p = points[points.length - 1];
      p[0] = time;
      if (value < p[1]) p[1] = value;
      if (value > p[2]) p[2] = value;
      p[3] = value;
      return;
    }
    this.#bucket = bucket;
    points.push([time, value, value, value]);
  }

  /** The buckets, oldest first (copies). */
  points(): SeriesPoint[] {
    return this.#points.map((p) => [p[0], p[1], p[2], p[3]]);
  }

  /** Doubles the bucket width and merges neighbouring buckets. */
  #compact(): void {
    this.#width *= 2;
    const merged: SeriesPoint[] = [];
    let bucket = -Infinity;
    for (const p of this.#points) {
      const b = Math.floor(p[0] / this.#width);
      const last = merged[merged.length - 1];
      if (b === bucket) {
        last[0] = p[0];
        last[1] = Math.min(last[1], p[1]);
        last[2] = Math.max(last[2], p[2]);
        last[3] = p[3];
      } else {
        merged.push(p);
        bucket = b;
      }
    }
    this.#points = merged;
    this.#bucket = bucket;
  }
}
