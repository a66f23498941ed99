/**
 * The contract every streaming indicator implements, and the candle view it
 * reads. Indicators are incremental: one `update` per closed candle, O(1)
 * (O(period) for CCI's mean deviation), no allocation.
 *
 * @module
 */

/** The fields of a closed candle an indicator may read (a reused, mutable view). */
export interface Bar {
  openTime: number;
  closeTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** A streaming indicator: outputs stay NaN until `ready`. */
export interface Indicator {
  /** Output values, in the order of the indicator type's `outputs`. */
  readonly out: Float64Array;
  /** True once the outputs hold a value. */
  readonly ready: boolean;
  /**
   * Consumes one closed candle; its input (source field or upstream output)
   * is `input[at]`, handed over in an array because a number handed to a
   * call that is not inlined is boxed (an allocation per candle).
   */
  update(bar: Bar, input: Float64Array, at: number): void;
}
