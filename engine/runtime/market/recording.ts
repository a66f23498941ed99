/**
 * Reading recorded market data: raw stream JSONL (one Binance combined-stream
 * envelope per line, as the recorder writes) and Binance public-data CSV
 * dumps (trades, aggTrades, klines), optionally gzip-compressed (`.gz`).
 */
import type { MarketEvent, Timeframe } from "../../core/types.ts";
import { TIMEFRAMES } from "../../core/types.ts";
import { candleFrom, type DropReason, parseMessage } from "./binance_protocol.ts";

/** Options of {@link readRecording}. */
export interface ReadRecordingOptions {
  /** Symbol of a CSV dump (default: the file name's first `-` part, e.g. `BTCUSDT-trades-2025-01-01.csv`). */
  symbol?: string;
  /** Timeframe of a klines CSV (default: from the file name, else from close − open time). */
  timeframe?: Timeframe;
  /** Hears every malformed line. */
  onDrop?: (reason: DropReason) => void;
  /** Hears the running count of file bytes read (compressed bytes for `.gz`), for progress. */
  onBytes?: (bytes: number) => void;
}

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
 * The events of a recording, in file order. Malformed lines are skipped
 * (reported to `onDrop`); order and duplicate checks are left to the consumer.
 */
export async function* readRecording(
  path: string,
  options: ReadRecordingOptions = {},
): AsyncIterable<MarketEvent> {
  const name = path.split(/[\\/]/).pop() ?? path;
  if (/\.csv(\.gz)?$/i.test(name)) {
    yield* readCsv(path, name, options);
    return;
  }
  let lastTime = 0;
  for await (const line of readLines(path, options)) {
    if (line.trim() === "") continue;
    const parsed = parseMessage(line, lastTime);
    if (parsed.kind === "dropped") options.onDrop?.(parsed.reason);
    if (parsed.kind !== "event") continue;
    if (parsed.event.type === "trade") lastTime = parsed.event.time;
    yield parsed.event;
  }
}

async function* readCsv(
  path: string,
  name: string,
  options: ReadRecordingOptions,
): AsyncIterable<MarketEvent> {
  const parts = name.replace(/\.csv(\.gz)?$/i, "").split("-");
  const symbol = (options.symbol ?? parts[0]).toUpperCase();
  const named = parts.find((p) => TIMEFRAME_SET.has(p)) as Timeframe | undefined;
  for await (const line of readLines(path, options)) {
    const cols = line.trim().split(",");
    if (cols.length < 7 || !/^-?\d/.test(cols[0])) {
      if (line.trim() !== "" && /^\d/.test(cols[0])) options.onDrop?.("unknown_message");
      continue;
    }
    const event = cols.length >= 12
      ? kline(symbol, cols, options.timeframe ?? named)
      : trade(symbol, cols, cols.length === 8);
    if (typeof event === "string") options.onDrop?.(event);
    else yield event;
  }
}

function trade(symbol: string, cols: string[], agg: boolean): MarketEvent | DropReason {
  // trades: id,price,qty,quote_qty,time,is_buyer_maker,is_best_match
  // aggTrades: agg_id,price,qty,first_id,last_id,time,is_buyer_maker,is_best_match
  const id = Number(cols[0]);
  const price = Number(cols[1]);
  const qty = Number(cols[2]);
  const time = toMs(Number(cols[agg ? 5 : 4]));
  if (!(Number.isInteger(id) && isFinite(price) && isFinite(qty) && isFinite(time))) {
    return "invalid_number";
  }
  if (price <= 0 || qty <= 0) return "non_positive";
  const buyerMaker = cols[agg ? 6 : 5].trim().toLowerCase() === "true";
  return { type: "trade", symbol, id, price, qty, time, buyerMaker };
}

function kline(symbol: string, cols: string[], timeframe?: Timeframe): MarketEvent | DropReason {
  const openTime = toMs(Number(cols[0]));
  const closeTime = toMs(Number(cols[6]));
  const tf = timeframe ?? timeframeOf(closeTime - openTime + 1);
  if (!tf) return "unknown_message";
  return candleFrom(symbol, tf, [openTime, ...cols.slice(1, 6), closeTime], true);
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
