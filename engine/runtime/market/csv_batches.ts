/**
 * Byte-level reading of Binance public-data CSV dumps into columnar batches.
 *
 * The parser walks the bytes of large chunks and writes trade rows
 * (`id,price,qty,quote_qty,time,is_buyer_maker,is_best_match`, or the
 * aggTrades layout with 8 columns) straight into typed arrays, with no string
 * per line and no promise per event; kline rows (12 columns) become candles
 * read from the same bytes. Numbers in the canonical form (digits, an
 * optional fraction, at most 2^53 as an integer mantissa) are converted
 * exactly as `Number()` would; any other line (headers, odd spacing, signs,
 * exponents, `True`) is decoded and handed to the line parser of
 * {@link readRecording}, so every line means exactly what it meant before.
 *
 * @module
 */
import type { MarketEvent, Timeframe } from "../../core/types.ts";
import type { DropReason } from "./binance_protocol.ts";
import { ByteCursor, DecimalScanner } from "./_byte_numbers.ts";
import { LineBatchParser } from "./line_batches.ts";
import {
  csvKline,
  csvLineParser,
  csvSymbol,
  csvTimeframe,
  type ReadRecordingOptions,
  toMs,
} from "./recording.ts";
import type { BatchSink } from "./trade_batch.ts";

const NL = 10, COMMA = 44, ZERO = 48, NINE = 57, T = 116, F = 102;

/** Parses the bytes of one CSV dump, pushed chunk by chunk; call {@link end} after the last. */
export class CsvBatchParser extends LineBatchParser {
  readonly #slow: (line: string) => MarketEvent | DropReason | undefined;
  readonly #symbol: string;
  readonly #timeframe: Timeframe | undefined;
  readonly #cursor = new ByteCursor();
  readonly #scanner = new DecimalScanner();
  readonly #kline = [0, 0, 0, 0, 0, 0, 0];

  /** `name` is the file name (symbol and timeframe default from it, as in {@link readRecording}). */
  constructor(
    name: string,
    sink: BatchSink,
    options: Pick<ReadRecordingOptions, "symbol" | "timeframe"> & { capacity?: number } = {},
  ) {
    const symbol = csvSymbol(name, options);
    super(sink, symbol, options.capacity);
    this.#symbol = symbol;
    this.#timeframe = csvTimeframe(name, options);
    this.#slow = csvLineParser(name, options);
  }

  protected slow(line: string): MarketEvent | DropReason | undefined {
    return this.#slow(line);
  }

  /**
   * The trade row starting at `i` (the same form as {@link #trade}, with the
   * line ending at the next newline, ids and times as plain digits) into the
   * batch, and the index after its newline; -1 when the line is not one
   * (then {@link fast} reads it, so an id like `5.0` keeps its meaning).
   */
  protected fastLine(bytes: Uint8Array, i: number): number {
    const s = this.#scanner;
    const id = s.integer(bytes, i);
    if (id < 0 || bytes[s.at] !== COMMA) return -1;
    const price = s.read(bytes, s.at + 1);
    if (price < 0 || bytes[s.at] !== COMMA) return -1;
    const qty = s.read(bytes, s.at + 1);
    if (qty < 0 || bytes[s.at] !== COMMA) return -1;
    let j = skipField(bytes, s.at + 1);
    if (bytes[j] !== COMMA) return -1;
    let time = s.integer(bytes, j + 1);
    if (time < 0 || bytes[s.at] !== COMMA) return -1;
    j = s.at + 1;
    if (bytes[j] !== T && bytes[j] !== F) { // aggTrades: that was last_id
      time = s.integer(bytes, j);
      if (time < 0 || bytes[s.at] !== COMMA) return -1;
      j = s.at + 1;
    }
    let maker: number;
    if (
      bytes[j] === T && bytes[j + 1] === 114 && bytes[j + 2] === 117 && bytes[j + 3] === 101 &&
      bytes[j + 4] === COMMA
    ) {
      maker = 1; // "true,"
      j += 5;
    } else if (
      bytes[j] === F && bytes[j + 1] === 97 && bytes[j + 2] === 108 && bytes[j + 3] === 115 &&
      bytes[j + 4] === 101 && bytes[j + 5] === COMMA
    ) {
      maker = 0; // "false,"
      j += 6;
    } else return -1;
    j = skipField(bytes, j); // is_best_match, the last column
    if (bytes[j] !== NL) return -1;
    this.addTrade(this.#symbol, id, price, qty, toMs(time), maker);
    return j + 1;
  }

  /** A canonical trade row into the batch, or a canonical kline row as its candle. */
  protected override fast(bytes: Uint8Array, start: number, end: number): boolean {
    const first = bytes[start];
    if (first < ZERO || first > NINE) return false;
    return this.#trade(bytes, start, end) || this.#klineRow(bytes, start, end);
  }

  /**
   * `id,price,qty,quote_qty,time,is_buyer_maker,is_best_match` or
   * `agg_id,price,qty,first_id,last_id,time,is_buyer_maker,is_best_match`
   * (told apart by what follows the fifth column), in one pass.
   */
  #trade(bytes: Uint8Array, start: number, end: number): boolean {
    const c = this.#cursor;
    c.reset(bytes, start, end);
    const id = c.decimal(COMMA);
    const price = c.decimal(COMMA);
    const qty = c.decimal(COMMA);
    if (id < 0 || price < 0 || qty < 0 || !c.skip(COMMA)) return false;
    let time = c.decimal(COMMA);
    if (time < 0 || c.done()) return false;
    const next = bytes[c.at];
    if (next !== T && next !== F) { // aggTrades: that was last_id
      time = c.decimal(COMMA);
      if (time < 0) return false;
    }
    const maker = c.word(COMMA);
    if (maker < 0 || !c.skip(COMMA) || !c.done()) return false;
    this.addTrade(this.#symbol, id, price, qty, toMs(time), maker);
    return true;
  }

  /** `open_time,open,high,low,close,volume,close_time,` and at least five more columns. */
  #klineRow(bytes: Uint8Array, start: number, end: number): boolean {
    const c = this.#cursor;
    c.reset(bytes, start, end);
    const row = this.#kline;
    for (let k = 0; k < 7; k++) {
      const value = c.decimal(COMMA);
      if (value < 0 || c.done()) return false;
      row[k] = value;
    }
    for (let k = 0; k < 5; k++) if (!c.skip(COMMA)) return false;
    const parsed = csvKline(this.#symbol, row, this.#timeframe);
    if (typeof parsed === "string") return false; // the line parser counts it
    this.addEvent(parsed);
    return true;
  }
}

/** Index of the first comma or newline at or after `i` (a line read by `fastLine` ends with one). */
function skipField(bytes: Uint8Array, i: number): number {
  let b = bytes[i];
  while (b !== COMMA && b !== NL) b = bytes[++i];
  return i;
}
