/**
 * Byte-level reading of Binance public-data CSV dumps into columnar batches.
 *
 * The parser walks the bytes of large chunks and writes trade rows
 * (`id,price,qty,quote_qty,time,is_buyer_maker,is_best_match`, or the
 * aggTrades layout with 8 columns) straight into typed arrays, with no string
 * per line and no promise per event. Numbers in the canonical form (digits,
 * an optional fraction, at most 2^53 as an integer mantissa) are converted
 * exactly as `Number()` would (the mantissa and the power of ten are exact,
 * so one division rounds correctly); any other line (headers, klines, odd
 * spacing, signs, exponents, `True`) is decoded and handed to the line parser
 * of {@link readRecording}, so every line means exactly what it meant before.
 *
 * @module
 */
import type { MarketEvent } from "../../core/types.ts";
import type { DropReason } from "./binance_protocol.ts";
import { csvLineParser, csvSymbol, type ReadRecordingOptions, toMs } from "./recording.ts";

/** Columnar trades: row `i` is `id[i], price[i], qty[i], time[i] (ms), buyerMaker[i]`. */
export class TradeBatch {
  /** Upper-case symbol of every row. */
  readonly symbol: string;
  readonly id: Float64Array;
  readonly price: Float64Array;
  readonly qty: Float64Array;
  readonly time: Float64Array;
  /** 1 when the buyer was the maker. */
  readonly buyerMaker: Uint8Array;
  /** Rows in use. */
  count = 0;

  constructor(symbol: string, capacity: number) {
    this.symbol = symbol;
    this.id = new Float64Array(capacity);
    this.price = new Float64Array(capacity);
    this.qty = new Float64Array(capacity);
    this.time = new Float64Array(capacity);
    this.buyerMaker = new Uint8Array(capacity);
  }

  /** Rows the batch can hold. */
  get capacity(): number {
    return this.id.length;
  }
}

/** Where parsed rows go, in file order. */
export interface CsvSink {
  /** A full batch of trades of the dump's symbol; valid only during the call. */
  trades(batch: TradeBatch): void;
  /** An event of a line outside the fast path (a kline, or a trade row in another form). */
  event(event: MarketEvent): void;
  /** A line that was dropped, with the reason. */
  drop(reason: DropReason): void;
}

const NL = 10, CR = 13, COMMA = 44, DOT = 46, ZERO = 48, NINE = 57;
const MAX_MANTISSA = 2 ** 53;
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/** Parses the bytes of one CSV dump, pushed chunk by chunk; call {@link end} after the last. */
export class CsvBatchParser {
  readonly #sink: CsvSink;
  readonly #batch: TradeBatch;
  readonly #slow: (line: string) => MarketEvent | DropReason | undefined;
  readonly #decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  readonly #cols = new Int32Array(10);
  #carry: Uint8Array = new Uint8Array(0);
  #start = true;

  /** `name` is the file name (symbol and timeframe default from it, as in {@link readRecording}). */
  constructor(
    name: string,
    sink: CsvSink,
    options: Pick<ReadRecordingOptions, "symbol" | "timeframe"> & { capacity?: number } = {},
  ) {
    this.#sink = sink;
    this.#batch = new TradeBatch(csvSymbol(name, options), options.capacity ?? 65_536);
    this.#slow = csvLineParser(name, options);
  }

  /** Takes the next bytes of the file (the chunk may be reused by the caller afterwards). */
  push(chunk: Uint8Array): void {
    let from = 0;
    if (this.#start && chunk.length > 0) {
      this.#start = false;
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) from = 3; // BOM
    }
    if (this.#carry.length > 0) {
      const nl = chunk.indexOf(NL, from);
      if (nl < 0) {
        this.#carry = concat(this.#carry, chunk.subarray(from));
        return;
      }
      const line = concat(this.#carry, chunk.subarray(from, nl));
      this.#carry = new Uint8Array(0);
      this.#line(line, 0, line.length);
      from = nl + 1;
    }
    for (let nl = chunk.indexOf(NL, from); nl >= 0; nl = chunk.indexOf(NL, from)) {
      this.#line(chunk, from, nl);
      from = nl + 1;
    }
    if (from < chunk.length) this.#carry = chunk.slice(from);
    this.#flush();
  }

  /** The file ended: parses a last line without a newline and passes on the rest. */
  end(): void {
    if (this.#carry.length > 0) this.#line(this.#carry, 0, this.#carry.length);
    this.#carry = new Uint8Array(0);
    this.#flush();
  }

  #flush(): void {
    if (this.#batch.count === 0) return;
    this.#sink.trades(this.#batch);
    this.#batch.count = 0;
  }

  /** Parses bytes `[start, end)` (no newline) as one line. */
  #line(bytes: Uint8Array, start: number, end: number): void {
    if (end > start && bytes[end - 1] === CR) end--;
    if (end === start || !this.#fast(bytes, start, end)) this.#fallback(bytes, start, end);
  }

  /** Writes a canonical trade row into the batch; false when the line needs the line parser. */
  #fast(bytes: Uint8Array, start: number, end: number): boolean {
    const first = bytes[start];
    if (first < ZERO || first > NINE) return false;
    const cols = this.#cols;
    let n = 0;
    cols[n++] = start;
    for (let i = start; i < end; i++) {
      if (bytes[i] !== COMMA) continue;
      if (n === 9) return false;
      cols[n++] = i + 1;
    }
    if (n !== 7 && n !== 8) return false;
    cols[n] = end + 1;
    const agg = n === 8;
    const id = canonical(bytes, cols[0], cols[1] - 1);
    const price = canonical(bytes, cols[1], cols[2] - 1);
    const qty = canonical(bytes, cols[2], cols[3] - 1);
    const t = agg ? 5 : 4;
    const time = canonical(bytes, cols[t], cols[t + 1] - 1);
    const maker = word(bytes, cols[t + 1], cols[t + 2] - 1);
    if (id < 0 || price < 0 || qty < 0 || time < 0 || maker < 0) return false;
    const batch = this.#batch;
    const row = batch.count++;
    batch.id[row] = id;
    batch.price[row] = price;
    batch.qty[row] = qty;
    batch.time[row] = toMs(time);
    batch.buyerMaker[row] = maker;
    if (batch.count === batch.capacity) this.#flush();
    return true;
  }

  #fallback(bytes: Uint8Array, start: number, end: number): void {
    const parsed = this.#slow(this.#decoder.decode(bytes.subarray(start, end)));
    if (parsed === undefined) return;
    this.#flush(); // keep file order
    if (typeof parsed === "string") this.#sink.drop(parsed);
    else this.#sink.event(parsed);
  }
}

/**
 * `digits[.digits]` in `[start, end)` exactly as `Number()` reads it, or -1
 * when the field is not in that form or its mantissa is not exact (≥ 2^53;
 * rounding is monotone, so a computed mantissa below 2^53 is exact).
 */
function canonical(bytes: Uint8Array, start: number, end: number): number {
  let i = start, mantissa = 0;
  for (let d = bytes[i] - ZERO; i < end && d >= 0 && d <= 9; d = bytes[++i] - ZERO) {
    mantissa = mantissa * 10 + d;
  }
  if (i === start) return -1;
  if (i === end) return mantissa < MAX_MANTISSA ? mantissa : -1;
  if (bytes[i] !== DOT) return -1;
  const dot = ++i;
  for (let d = bytes[i] - ZERO; i < end && d >= 0 && d <= 9; d = bytes[++i] - ZERO) {
    mantissa = mantissa * 10 + d;
  }
  const fraction = i - dot;
  if (i !== end || fraction === 0 || fraction > 22 || mantissa >= MAX_MANTISSA) return -1;
  return mantissa / POW10[fraction];
}

/** 1 for the bytes `true`, 0 for `false`, -1 for anything else. */
function word(bytes: Uint8Array, start: number, end: number): number {
  if (end - start === 4 && bytes[start] === 116 && bytes[start + 1] === 114) {
    return bytes[start + 2] === 117 && bytes[start + 3] === 101 ? 1 : -1; // "true"
  }
  if (end - start === 5 && bytes[start] === 102 && bytes[start + 1] === 97) {
    return bytes[start + 2] === 108 && bytes[start + 3] === 115 && bytes[start + 4] === 101
      ? 0 // "false"
      : -1;
  }
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Chunk size of plain-file reads. */
const CHUNK = 4 << 20;

/**
 * Reads a (possibly gzipped) CSV dump through a {@link CsvBatchParser} into
 * `sink`, one promise per chunk; `onBytes` hears the file bytes read so far.
 */
export async function readCsvBatches(
  path: string,
  sink: CsvSink,
  options: Pick<ReadRecordingOptions, "symbol" | "timeframe" | "onBytes"> & {
    signal?: AbortSignal;
  } = {},
): Promise<void> {
  const parser = new CsvBatchParser(path.split(/[\\/]/).pop() ?? path, sink, options);
  const file = await Deno.open(path, { read: true });
  let read = 0;
  if (/\.gz$/i.test(path)) {
    // The stream closes the file when it ends or fails.
    const counted = file.readable.pipeThrough(
      new TransformStream<Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>>({
        transform(chunk, controller) {
          options.onBytes?.(read += chunk.byteLength);
          controller.enqueue(chunk);
        },
      }),
    );
    for await (const chunk of counted.pipeThrough(new DecompressionStream("gzip"))) {
      options.signal?.throwIfAborted();
      parser.push(chunk);
    }
  } else {
    try {
      const buffer = new Uint8Array(CHUNK);
      for (let n = await file.read(buffer); n !== null; n = await file.read(buffer)) {
        options.signal?.throwIfAborted();
        options.onBytes?.(read += n);
        parser.push(buffer.subarray(0, n));
      }
    } finally {
      file.close();
    }
  }
  parser.end();
}
