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
import { DecimalScanner } from "./_byte_numbers.ts";
import { LineBatchParser } from "./line_batches.ts";
import { jsonlLineParser } from "./recording.ts";
import type { BatchSink } from "./trade_batch.ts";

const NL = 10, CR = 13, QUOTE = 34, COMMA = 44, BRACE = 125, BACKSLASH = 92;
const A = 65, Z = 90, ZERO = 48, NINE = 57;
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
const TRUE = bytesOf("true");
const FALSE = bytesOf("false");

/** Parses the bytes of one stream JSONL recording, pushed chunk by chunk; call {@link end} after the last. */
export class JsonlBatchParser extends LineBatchParser {
  /** Time of the last trade read: a bookTicker line without a time takes it. */
  readonly #clock = { lastTime: 0 };
  /** Other lines, the recording's books included. */
  readonly #slow = jsonlLineParser(this.#clock, { books: true });
  readonly #scanner = new DecimalScanner();
  /** The last symbol read and its bytes, so that a symbol becomes a string once per run of it. */
  #symbol = "";
  #symbolBytes = new Uint8Array(0);

  constructor(sink: BatchSink, options: { capacity?: number } = {}) {
    super(sink, "", options.capacity);
  }

  protected slow(line: string): MarketEvent | BookTop | DropReason | undefined {
    return this.#slow(line);
  }

  /** A trade line in the recorder's exact shape into the batch (see {@link LineBatchParser.fastLine}). */
  protected fastLine(bytes: Uint8Array, i: number): number {
    if (!literalAt(bytes, i, OPEN)) return -1;
    // The stream name: a plain string (no escape, no control byte), then `",`.
    i += OPEN.length;
    while (bytes[i] !== QUOTE && bytes[i] !== BACKSLASH && bytes[i] >= 32) i++;
    if (bytes[i] !== QUOTE || bytes[i + 1] !== COMMA || !literalAt(bytes, i + 2, DATA)) return -1;
    const s = this.#scanner;
    if (jsonNumber(s, bytes, i + 2 + DATA.length) < 0 || bytes[s.at] !== COMMA) return -1;
    if (!literalAt(bytes, s.at + 1, SYMBOL)) return -1;
    const symbolStart = s.at + 1 + SYMBOL.length;
    i = symbolStart;
    while ((bytes[i] >= A && bytes[i] <= Z) || (bytes[i] >= ZERO && bytes[i] <= NINE)) i++;
    if (i === symbolStart || bytes[i] !== QUOTE || bytes[i + 1] !== COMMA) return -1;
    const symbolEnd = i;
    if (!literalAt(bytes, i + 2, ID)) return -1;
    const id = jsonNumber(s, bytes, i + 2 + ID.length);
    if (id < 0 || bytes[s.at] !== COMMA || !literalAt(bytes, s.at + 1, PRICE)) return -1;
    const price = s.read(bytes, s.at + 1 + PRICE.length);
    if (price < 0 || bytes[s.at] !== QUOTE || !literalAt(bytes, s.at + 1, QTY)) return -1;
    const qty = s.read(bytes, s.at + 1 + QTY.length);
    if (qty < 0 || bytes[s.at] !== QUOTE || !literalAt(bytes, s.at + 1, TIME)) return -1;
    const time = jsonNumber(s, bytes, s.at + 1 + TIME.length);
    if (time < 0 || bytes[s.at] !== COMMA || !literalAt(bytes, s.at + 1, MAKER)) return -1;
    i = s.at + 1 + MAKER.length;
    const maker = boolAt(bytes, i);
    if (maker < 0) return -1;
    i += maker === 1 ? 4 : 5;
    if (bytes[i] !== COMMA || !literalAt(bytes, i + 1, MATCH)) return -1;
    i += 1 + MATCH.length;
    const match = boolAt(bytes, i);
    if (match < 0) return -1;
    i += match === 1 ? 4 : 5;
    if (bytes[i] !== BRACE || bytes[i + 1] !== BRACE) return -1;
    i += 2;
    if (bytes[i] === CR) i++;
    if (bytes[i] !== NL) return -1;
    this.#clock.lastTime = time;
    this.addTrade(this.#symbolOf(bytes, symbolStart, symbolEnd), id, price, qty, time, maker);
    return i + 1;
  }

  /** A trade line taken apart from the others: the first one (after a byte order mark). */
  protected override fast(bytes: Uint8Array, start: number): boolean {
    return this.fastLine(bytes, start) >= 0;
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

/** Whether the bytes at `i` are `literal` (compared up to the first difference). */
function literalAt(bytes: Uint8Array, i: number, literal: Uint8Array): boolean {
  for (let k = 0; k < literal.length; k++) if (bytes[i + k] !== literal[k]) return false;
  return true;
}

/** A JSON number `digits[.digits]` at `i` (no leading zero before another digit), or -1. */
function jsonNumber(s: DecimalScanner, bytes: Uint8Array, i: number): number {
  if (bytes[i] === ZERO && bytes[i + 1] >= ZERO && bytes[i + 1] <= NINE) return -1;
  return s.read(bytes, i);
}

/** 1 for `true` at `i`, 0 for `false`, -1 for anything else. */
function boolAt(bytes: Uint8Array, i: number): number {
  if (literalAt(bytes, i, TRUE)) return 1;
  return literalAt(bytes, i, FALSE) ? 0 : -1;
}
