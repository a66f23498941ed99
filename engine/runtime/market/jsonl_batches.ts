/**
 * Byte-level reading of recorded stream JSONL into columnar batches.
 *
 * A line in the exact shape the recorder writes for a trade
 * (`{"stream":"…","data":{"e":"trade","E":…,"s":"…","t":…,"p":"…","q":"…","T":…,"m":…,"M":…}}`,
 * upper-case symbol, canonical numbers) is written straight into typed
 * arrays, with no string and no `JSON.parse` per line. Any other line (other
 * event kinds, other key orders or spacing, escapes, exponents) is decoded
 * and handed to the JSONL line parser of {@link readRecording}, so every line
 * means exactly what it meant before, and what it drops is still counted.
 *
 * @module
 */
import type { BookTop, MarketEvent } from "../../core/types.ts";
import type { DropReason } from "./binance_protocol.ts";
import { ByteCursor } from "./_byte_numbers.ts";
import { LineBatchParser } from "./line_batches.ts";
import { jsonlLineParser } from "./recording.ts";
import type { BatchSink } from "./trade_batch.ts";

const QUOTE = 34, COMMA = 44, BRACE = 125, BACKSLASH = 92, A = 65, Z = 90, ZERO = 48, NINE = 57;
const bytesOf = (text: string) => new TextEncoder().encode(text);
const OPEN = bytesOf('{"stream":"');
const DATA = bytesOf('"data":{"e":"trade","E":');
const SYMBOL = bytesOf('"s":"');
const ID = bytesOf('"t":');
const PRICE = bytesOf('"p":"');
const QTY = bytesOf(',"q":"');
const TIME = bytesOf(',"T":');
const MAKER = bytesOf('"m":');
const MATCH = bytesOf('"M":');

/** Parses the bytes of one stream JSONL recording, pushed chunk by chunk; call {@link end} after the last. */
export class JsonlBatchParser extends LineBatchParser {
  /** Time of the last trade read: a bookTicker line without a time takes it. */
  readonly #clock = { lastTime: 0 };
  /** Other lines, the recording's books included. */
  readonly #slow = jsonlLineParser(this.#clock, { books: true });
  readonly #cursor = new ByteCursor();
  /** The last symbol read and its bytes, so that a symbol becomes a string once per run of it. */
  #symbol = "";
  #symbolBytes = new Uint8Array(0);

  constructor(sink: BatchSink, options: { capacity?: number } = {}) {
    super(sink, "", options.capacity);
  }

  protected slow(line: string): MarketEvent | BookTop | DropReason | undefined {
    return this.#slow(line);
  }

  /** A trade line in the recorder's exact shape into the batch. */
  protected fast(bytes: Uint8Array, start: number, end: number): boolean {
    const c = this.#cursor;
    c.reset(bytes, start, end);
    if (!c.literal(OPEN)) return false;
    // The stream name: a plain string (no escape, no control byte), then `",`.
    let i = c.at;
    while (i < end && bytes[i] !== QUOTE && bytes[i] !== BACKSLASH && bytes[i] >= 32) i++;
    if (bytes[i] !== QUOTE || bytes[i + 1] !== COMMA) return false;
    c.at = i + 2;
    if (!c.literal(DATA) || c.decimal(COMMA, true) < 0 || !c.literal(SYMBOL)) return false;
    const symbolStart = c.at;
    i = symbolStart;
    while (
      i < end && ((bytes[i] >= A && bytes[i] <= Z) || (bytes[i] >= ZERO && bytes[i] <= NINE))
    ) {
      i++;
    }
    if (i === symbolStart || bytes[i] !== QUOTE || bytes[i + 1] !== COMMA) return false;
    c.at = i + 2;
    if (!c.literal(ID)) return false;
    const id = c.decimal(COMMA, true);
    if (id < 0 || !c.literal(PRICE)) return false;
    const price = c.decimal(QUOTE);
    if (price < 0 || !c.literal(QTY)) return false;
    const qty = c.decimal(QUOTE);
    if (qty < 0 || !c.literal(TIME)) return false;
    const time = c.decimal(COMMA, true);
    if (time < 0 || !c.literal(MAKER)) return false;
    const maker = c.word(COMMA);
    if (maker < 0 || !c.literal(MATCH) || c.word(BRACE) < 0) return false;
    if (bytes[c.at] !== BRACE || c.at + 1 !== end) return false;
    this.#clock.lastTime = time;
    this.addTrade(this.#symbolOf(bytes, symbolStart, i), id, price, qty, time, maker);
    return true;
  }

  /** The symbol in `[start, end)` (upper-case ASCII), reusing the last string while it repeats. */
  #symbolOf(bytes: Uint8Array, start: number, end: number): string {
    const known = this.#symbolBytes;
    let same = known.length === end - start;
    for (let k = 0; same && k < known.length; k++) same = known[k] === bytes[start + k];
    if (!same) {
      this.#symbolBytes = bytes.slice(start, end);
      this.#symbol = String.fromCharCode(...this.#symbolBytes);
    }
    return this.#symbol;
  }
}
