/**
 * Reading recorded market data: raw stream JSONL (one Binance combined-stream
 * envelope per line, as the recorder writes) and Binance public-data CSV
 * dumps (trades, aggTrades, klines), optionally gzip-compressed (`.gz`).
 * Every event passes the recording validator before it is yielded.
 */
import type { BookTop, MarketEvent, Timeframe } from "../../core/types.ts";
import { TIMEFRAMES } from "../../core/types.ts";
import { OrderBook, RecordingValidator, type TimeBounds } from "../../core/market/mod.ts";
import { candleFrom, type DropReason, parseMessage } from "./binance_protocol.ts";

/** Options of {@link readRecording}. */
export interface ReadRecordingOptions {
  /** Symbol of a CSV dump (default: from a Binance-style file name, see {@link binanceSymbol}). */
  symbol?: string;
  /** Timeframe of a klines CSV (default: from the file name, else from close − open time). */
  timeframe?: Timeframe;
  /** Hears every dropped line or event, with the reason. */
  onDrop?: (reason: DropReason) => void;
  /** Overrides of the validator's time bounds (`DEFAULT_TIME_BOUNDS`). */
  timeBounds?: Partial<TimeBounds>;
  /** Hears the running count of file bytes read (compressed bytes for `.gz`), for progress. */
  onBytes?: (bytes: number) => void;
}

/** Options of {@link readRecording} that also yield the recording's L2 books. */
export interface ReadBooksOptions extends ReadRecordingOptions {
  /** Also yield the books of stream JSONL (partial-depth snapshots and depth diffs). */
  books: true;
}

/** Levels per side of the books a recording yields (as the live feed keeps). */
export const RECORDED_BOOK_LEVELS = 100;

const TIMEFRAME_SET: ReadonlySet<string> = new Set(TIMEFRAMES);

/** Converts a dump timestamp to ms (values above 1e14 are µs). */
export function toMs(value: number): number {
  return value > 1e14 ? Math.floor(value / 1000) : value;
}

/** Streams the lines of a (possibly gzipped) text file; `onBytes` hears the file bytes read so far. */
export async function* readLines(
  path: string,
  options: { onBytes?: (bytes: number) => void } = {},
): AsyncIterable<string> {
  const file = await Deno.open(path, { read: true });
  const onBytes = options.onBytes;
  let read = 0;
  const raw: ReadableStream<Uint8Array<ArrayBuffer>> = onBytes
    ? file.readable.pipeThrough(
      new TransformStream<Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>>({
        transform(chunk, controller) {
          onBytes(read += chunk.byteLength);
          controller.enqueue(chunk);
        },
      }),
    )
    : file.readable;
  const stream: ReadableStream<Uint8Array> = path.endsWith(".gz")
    ? raw.pipeThrough(new DecompressionStream("gzip"))
    : raw;
  const decoder = new TextDecoder();
  let rest = "";
  for await (const chunk of stream) {
    const lines = (rest + decoder.decode(chunk, { stream: true })).split("\n");
    rest = lines.pop()!;
    for (const line of lines) yield line;
  }
  if (rest) yield rest;
}

/**
 * The valid events of a recording, in file order within each symbol. Lines
 * that do not parse and events the recording validator rejects (malformed
 * values, duplicate or out-of-order ids, times that go back or jump ahead
 * unconfirmed) are skipped and reported to `onDrop`.
 *
 * With `books: true`, stream JSONL also yields a book (top 100 levels) after
 * each partial-depth envelope (a whole book: it replaces the symbol's) and
 * each depth diff that continues it; a diff that skips ids (`book_gap`) or
 * crosses the book (`book_crossed`) leaves the symbol without a book until the
 * next partial-depth envelope. Diffs before any snapshot are skipped.
 */
export function readRecording(
  path: string,
  options: ReadBooksOptions,
): AsyncIterable<MarketEvent | BookTop>;
export function readRecording(
  path: string,
  options?: ReadRecordingOptions,
): AsyncIterable<MarketEvent>;
export async function* readRecording(
  path: string,
  options: ReadRecordingOptions & { books?: boolean } = {},
): AsyncIterable<MarketEvent | BookTop> {
  const accepted: (MarketEvent | BookTop)[] = [];
  const validator = new RecordingValidator<MarketEvent | BookTop>({
    bounds: options.timeBounds,
    accept: (event) => accepted.push(event),
    drop: (reason) => options.onDrop?.(reason),
  });
  const parse = lineParser(path, options);
  for await (const line of readLines(path, options)) {
    const event = parse(line);
    if (event === undefined) continue;
    if (typeof event === "string") {
      options.onDrop?.(event);
      continue;
    }
    validator.push(event);
    for (let i = 0; i < accepted.length; i++) yield accepted[i];
    accepted.length = 0;
  }
  validator.end();
  yield* accepted;
}

/** A line's event (unchecked), why the line is dropped, or undefined for a line to skip. */
export type LineParser = (line: string) => MarketEvent | DropReason | undefined;

/** The parser for the lines of a recording: stream JSONL, or a CSV dump (by the file name). */
function lineParser(
  path: string,
  options: ReadRecordingOptions & { books?: boolean },
): (line: string) => MarketEvent | BookTop | DropReason | undefined {
  const name = path.split(/[\\/]/).pop() ?? path;
  if (/\.csv(\.gz)?$/i.test(name)) return csvLineParser(name, options);
  return jsonlLineParser({ lastTime: 0 }, { books: options.books });
}

/**
 * The line parser of stream JSONL. A bookTicker (or partial-depth) line
 * carries no time: it takes `clock.lastTime`, the time of the last trade read
 * (kept up to date here, and by whoever reads trade lines without this
 * parser). With `books`, depth lines build each symbol's book and become book
 * events (see {@link readRecording}); without, they are skipped.
 */
export function jsonlLineParser(
  clock: { lastTime: number },
  options: { books?: boolean } = {},
): (line: string) => MarketEvent | BookTop | DropReason | undefined {
  const books = options.books ? new Map<string, OrderBook>() : undefined;
  return (line) => {
    if (line.trim() === "") return undefined;
    const parsed = parseMessage(line, clock.lastTime);
    if (parsed.kind === "dropped") return parsed.reason;
    if (parsed.kind === "depth" || parsed.kind === "partial") {
      if (!books) return undefined;
      let book = books.get(parsed.symbol);
      if (!book) books.set(parsed.symbol, book = new OrderBook());
      const result = parsed.kind === "partial"
        ? (book.load(parsed.snapshot) ? "applied" : "crossed")
        : book.apply(parsed.diff);
      if (result === "gap" || result === "crossed") return `book_${result}`;
      if (result !== "applied") return undefined;
      if (!(parsed.time > 0 && isFinite(parsed.time))) return "invalid_number";
      const { bids, asks } = book.levels(RECORDED_BOOK_LEVELS);
      const updateId = book.lastUpdateId;
      return { type: "book", symbol: parsed.symbol, updateId, time: parsed.time, bids, asks };
    }
    if (parsed.kind !== "event") return undefined;
    if (parsed.event.type === "trade" && isFinite(parsed.event.time)) {
      clock.lastTime = parsed.event.time;
    }
    return parsed.event;
  };
}

/**
 * The symbol a CSV dump's name carries, only for Binance-style names: the
 * symbol, then `trades`, `aggTrades` or a timeframe (`BTCUSDT-trades-2025-01-01.csv`,
 * `ETHUSDT-1m-2025-01.csv.gz`), or an upper-case symbol alone (`BTCUSDT.csv`);
 * undefined for any other name (`klines.csv` must not silently become `KLINES`).
 */
export function binanceSymbol(path: string): string | undefined {
  const name = path.split(/[\\/]/).pop() ?? path;
  const [symbol, kind, ...rest] = name.replace(/\.csv(\.gz)?$/i, "").split("-");
  if (kind === undefined && rest.length === 0) {
    return /^[A-Z0-9]{2,20}$/.test(symbol) ? symbol : undefined;
  }
  const binance = kind === "trades" || kind === "aggTrades" || TIMEFRAME_SET.has(kind);
  return binance && /^[A-Za-z0-9]+$/.test(symbol) ? symbol.toUpperCase() : undefined;
}

/**
 * The symbol of a CSV dump: `options.symbol`, else the one a Binance-style
 * file name carries ({@link binanceSymbol}); throws a RangeError otherwise.
 */
export function csvSymbol(name: string, options: Pick<ReadRecordingOptions, "symbol">): string {
  const symbol = options.symbol ?? binanceSymbol(name);
  if (symbol === undefined) {
    throw new RangeError(
      `'${name}' does not name its symbol (like BTCUSDT-trades-2025-01-01.csv): give the symbol`,
    );
  }
  return symbol.toUpperCase();
}

/**
 * The line parser of a CSV dump named `name` (a file name): a line's event
 * (unchecked), why the line is dropped, or undefined for a line to skip.
 */
export function csvLineParser(
  name: string,
  options: Pick<ReadRecordingOptions, "symbol" | "timeframe">,
): LineParser {
  const symbol = csvSymbol(name, options);
  const timeframe = csvTimeframe(name, options);
  return (line) => {
    const cols = line.trim().split(",");
    if (cols.length < 7 || !/^-?\d/.test(cols[0])) {
      // A header (no leading digit) is skipped; a row with too few columns is counted.
      return line.trim() !== "" && /^\d/.test(cols[0]) ? "unknown_message" : undefined;
    }
    return cols.length >= 12
      ? csvKline(symbol, cols, timeframe)
      : trade(symbol, cols, cols.length === 8);
  };
}

/** The timeframe of a klines CSV dump: `options.timeframe`, else the one its file name carries. */
export function csvTimeframe(
  name: string,
  options: Pick<ReadRecordingOptions, "timeframe">,
): Timeframe | undefined {
  const parts = name.replace(/\.csv(\.gz)?$/i, "").split("-");
  return options.timeframe ?? parts.find((p) => TIMEFRAME_SET.has(p)) as Timeframe | undefined;
}

function trade(symbol: string, cols: string[], agg: boolean): MarketEvent {
  // trades: id,price,qty,quote_qty,time,is_buyer_maker,is_best_match
  // aggTrades: agg_id,price,qty,first_id,last_id,time,is_buyer_maker,is_best_match
  return {
    type: "trade",
    symbol,
    id: Number(cols[0]),
    price: Number(cols[1]),
    qty: Number(cols[2]),
    time: toMs(Number(cols[agg ? 5 : 4])),
    buyerMaker: cols[agg ? 6 : 5].trim().toLowerCase() === "true",
  };
}

/**
 * The candle of a kline row (`open_time, open, high, low, close, volume,
 * close_time, …` as strings or numbers; times in ms or µs), unchecked; its
 * timeframe is `timeframe`, else the one its times span, else it is dropped.
 */
export function csvKline(
  symbol: string,
  row: readonly unknown[],
  timeframe?: Timeframe,
): MarketEvent | DropReason {
  const openTime = toMs(Number(row[0]));
  const closeTime = toMs(Number(row[6]));
  const tf = timeframe ?? timeframeOf(closeTime - openTime + 1);
  if (!tf) return "candle_time";
  return candleFrom(symbol, tf, [openTime, ...row.slice(1, 6), closeTime], true);
}

function timeframeOf(durationMs: number): Timeframe | undefined {
  const units: [string, number][] = [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], [
    "s",
    1000,
  ]];
  for (const [unit, ms] of units) {
    const tf = `${durationMs / ms}${unit}`;
    if (TIMEFRAME_SET.has(tf)) return tf as Timeframe;
  }
  return undefined;
}
