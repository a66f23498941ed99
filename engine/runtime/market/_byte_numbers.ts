/**
 * Internal: readers of fields straight from the bytes of a line (a cursor
 * bounded by the line, and a scanner for lines known to end with a newline),
 * exactly as the text parsers (`Number()`, `JSON.parse`) would read them, or
 * answering -1 / false when a field is not in the one form handled here (the
 * caller then falls back to the text parser, so every line keeps its meaning).
 *
 * @module
 */

const ZERO = 48, DOT = 46;
const MAX_MANTISSA = 2 ** 53;
const POW10 = new Float64Array(Array.from({ length: 23 }, (_, k) => 10 ** k));

/**
 * Reads the fields of the line `[at, end)` from left to right. A field ends
 * at its stop byte (the cursor moves past it) or at the end of the line (the
 * cursor moves past the end, see {@link done}).
 */
export class ByteCursor {
  bytes: Uint8Array = new Uint8Array(0);
  at = 0;
  end = 0;
  #value = 0;

  /** Starts reading the line `[start, end)` of `bytes`. */
  reset(bytes: Uint8Array, start: number, end: number): void {
    this.bytes = bytes;
    this.at = start;
    this.end = end;
  }

  /** Whether the last field read ended the line. */
  done(): boolean {
    return this.at === this.end + 1;
  }

  /**
   * A field `digits[.digits]` exactly as `Number()` reads it, or -1 when it is
   * not in that form or its mantissa is not exact (≥ 2^53; rounding is
   * monotone, so a computed mantissa below 2^53 is exact, and one division by
   * an exact power of ten rounds correctly).
   */
  decimal(stop: number): number {
    const bytes = this.bytes, end = this.end, start = this.at;
    let i = this.#digits(start);
    if (i === start) return -1;
    let mantissa = this.#value;
    let fraction = 0;
    if (i < end && bytes[i] === DOT) {
      const dot = i + 1;
      i = this.#digits(dot);
      fraction = i - dot;
      if (fraction === 0 || fraction > 22) return -1;
      mantissa = mantissa * POW10[fraction] + this.#value;
    }
    if (mantissa >= MAX_MANTISSA || !this.#stopAt(i, stop)) return -1;
    return fraction === 0 ? mantissa : mantissa / POW10[fraction];
  }

  /** The value of the digits from `start` (in `#value`, exact below 2^53) and where they end. */
  #digits(start: number): number {
    const bytes = this.bytes, end = this.end;
    let i = start, value = 0;
    // Nine digits at a time in small integers, then one exact step in doubles.
    while (i < end) {
      let part = 0, n = 0;
      for (; n < 9 && i < end; n++, i++) {
        const d = bytes[i] - ZERO;
        if (d < 0 || d > 9) break;
        part = part * 10 + d;
      }
      value = value * POW10[n] + part;
      if (n < 9) break;
    }
    this.#value = value;
    return i;
  }

  /** 1 for a field `true`, 0 for `false`, -1 for anything else. */
  word(stop: number): number {
    const bytes = this.bytes, i = this.at;
    if (bytes[i] === 116 && bytes[i + 1] === 114 && bytes[i + 2] === 117 && bytes[i + 3] === 101) {
      return i + 4 <= this.end && this.#stopAt(i + 4, stop) ? 1 : -1; // "true"
    }
    if (
      bytes[i] === 102 && bytes[i + 1] === 97 && bytes[i + 2] === 108 && bytes[i + 3] === 115 &&
      bytes[i + 4] === 101
    ) return i + 5 <= this.end && this.#stopAt(i + 5, stop) ? 0 : -1; // "false"
    return -1;
  }

  /** Skips a field whatever it holds; false when the line ended before it. */
  skip(stop: number): boolean {
    const bytes = this.bytes, end = this.end;
    let i = this.at;
    if (i > end) return false;
    while (i < end && bytes[i] !== stop) i++;
    this.at = i + 1;
    return true;
  }

  /** Whether the field ends at `i` (its stop byte, or the end of the line); moves past it. */
  #stopAt(i: number, stop: number): boolean {
    if (i === this.end) {
      this.at = i + 1;
      return true;
    }
    if (this.bytes[i] !== stop) return false;
    this.at = i + 1;
    return true;
  }
}

/**
 * Reads a field `digits[.digits]` at a position of a buffer without knowing
 * where its line ends: the same form, exactness and value as
 * {@link ByteCursor.decimal}, leaving the stop byte to the caller. A non-digit
 * byte must follow the field inside the buffer (a line that ends with its
 * newline has one).
 */
export class DecimalScanner {
  /** Index of the byte after the last field read. */
  at = 0;

  /** The field at `i` when it is `digits` only (below 2^53), else -1 (ids, times). */
  integer(bytes: Uint8Array, i: number): number {
    const value = this.#digits(bytes, i);
    return this.at === i || value >= MAX_MANTISSA ? -1 : value;
  }

  /** The field at `i`, or -1 when it is not in that form. */
  read(bytes: Uint8Array, i: number): number {
    const start = i;
    let mantissa = this.#digits(bytes, i);
    i = this.at;
    if (i === start) return -1;
    let fraction = 0;
    if (bytes[i] === DOT) {
      const whole = mantissa;
      const part = this.#digits(bytes, i + 1);
      fraction = this.at - i - 1;
      if (fraction === 0 || fraction > 22) return -1;
      mantissa = whole * POW10[fraction] + part;
      i = this.at;
    }
    if (mantissa >= MAX_MANTISSA) return -1;
    this.at = i;
    return fraction === 0 ? mantissa : mantissa / POW10[fraction];
  }

  /** The value of the digits at `i` (exact below 2^53); {@link at} moves past them. */
  #digits(bytes: Uint8Array, i: number): number {
    let value = 0;
    // Nine digits at a time in small integers, then one exact step in doubles.
    while (true) {
      let part = 0;
      const stop = i + 9;
      let d = bytes[i] - ZERO;
      while (d >>> 0 < 10 && i < stop) {
        part = part * 10 + d;
        d = bytes[++i] - ZERO;
      }
      value = value * POW10[9 - (stop - i)] + part;
      if (i < stop) break;
    }
    this.at = i;
    return value;
  }
}
