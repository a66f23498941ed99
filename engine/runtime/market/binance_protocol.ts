/**
 * Pure parsing and formatting of Binance spot public market-data messages:
 * combined-stream envelopes (`{"stream":...,"data":...}`) and raw streams,
 * `trade`, `aggTrade`, `bookTicker`, `kline` and `depthUpdate` payloads, the
 * REST depth snapshot, and control replies.
 *
 * Nothing here does I/O or keeps state. Parsing checks the message's shape
 * and converts its fields; the values are checked by the event validator
 * (`engine/core/market`), which every feed runs.
 */
import type { Candle, MarketEvent, Quote, Timeframe, Trade } from "../../core/types.ts";
import { TIMEFRAMES } from "../../core/types.ts";
import type { BookDiff, BookSnapshot, ValidationReason } from "../../core/market/mod.ts";
import type { Level } from "../../core/types.ts";

/** Why a message was dropped (keys of `FeedStatus.dropped`). */
export type DropReason =
  | "invalid_json"
  | "unknown_message"
  | "unknown_symbol"
  | "book_gap"
  | "book_crossed"
  | ValidationReason;

/** The result of {@link parseMessage}. */
export type ParsedMessage =
  | { readonly kind: "event"; readonly event: MarketEvent }
  | { readonly kind: "reply"; readonly id: number; readonly error?: string }
  | {
    readonly kind: "depth";
    readonly symbol: string;
    /** Event time (`E`, exchange ms). */
    readonly time: number;
    readonly diff: BookDiff;
  }
  | {
    readonly kind: "partial";
    readonly symbol: string;
    /** Event time (`E` where the recorder added it, else the fallback time). */
    readonly time: number;
    readonly snapshot: BookSnapshot;
  }
  | { readonly kind: "dropped"; readonly reason: DropReason };

const TIMEFRAME_SET: ReadonlySet<string> = new Set(TIMEFRAMES);
type Json = Record<string, unknown>;

/**
 * Parses one WebSocket text frame (combined envelope or raw stream payload).
 * `fallbackTime` is used as the quote time when a bookTicker carries none.
 * Never throws: a message of unknown shape comes back as
 * `{kind: "dropped", reason}`; events come back with their values unchecked.
 */
export function parseMessage(text: string, fallbackTime = 0): ParsedMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: "dropped", reason: "invalid_json" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { kind: "dropped", reason: "unknown_message" };
  }
  const message = value as Json;
  if ("id" in message && ("result" in message || "error" in message)) {
    const error = message.error as Json | undefined;
    return {
      kind: "reply",
      id: Number(message.id),
      ...(error ? { error: String(error.msg ?? JSON.stringify(error)) } : {}),
    };
  }
  if (typeof message.stream === "string" && typeof message.data === "object" && message.data) {
    return normaliseData(message.data as Json, message.stream, fallbackTime);
  }
  return normaliseData(message, undefined, fallbackTime);
}

/**
 * Normalises one stream payload into a {@link MarketEvent}. The kind comes from
 * `e`, or for bookTicker (which has no `e`) from the stream name or its fields.
 */
export function normaliseData(data: Json, stream?: string, fallbackTime = 0): ParsedMessage {
  const kind = data.e ??
    (stream?.endsWith("@bookTicker") || "b" in data && "a" in data && "u" in data
      ? "bookTicker"
      : undefined);
  if (kind === "trade" || kind === "aggTrade") return trade(data, kind === "trade" ? "t" : "a");
  if (kind === "bookTicker") return quote(data, fallbackTime);
  if (kind === "kline") return kline(data);
  if (kind === "depthUpdate") return depth(data);
  const partial = stream === undefined ? null : PARTIAL_DEPTH.exec(stream);
  if (partial && kind === undefined) return partialDepth(partial[1], data, fallbackTime);
  return { kind: "dropped", reason: "unknown_message" };
}

/** A partial-depth stream name (`btcusdt@depth20@100ms`); group 1 is the symbol. */
const PARTIAL_DEPTH = /^([a-z0-9]+)@depth\d+(@\d+ms)?$/i;

function partialDepth(symbol: string, data: Json, fallbackTime: number): ParsedMessage {
  let snapshot: BookSnapshot;
  try {
    snapshot = depthSnapshot(symbol, data);
  } catch {
    return { kind: "dropped", reason: "unknown_message" };
  }
  const time = Number(data.E ?? fallbackTime);
  return { kind: "partial", symbol: symbol.toUpperCase(), time, snapshot };
}

/**
 * Formats a whole book as a partial-depth envelope (`<s>@depth<N>`, N the
 * REST snapshot's 1000 levels) with the event time `E` that the exchange's
 * partial-depth payload lacks: how the recorder writes a synced book.
 */
export function partialDepthEnvelope(
  symbol: string,
  book: BookSnapshot,
  time: number,
): { stream: string; data: Json } {
  const text = (levels: readonly Level[]) => levels.map(([p, q]) => [String(p), String(q)]);
  return {
    stream: `${symbol.toLowerCase()}@depth1000`,
    data: {
      lastUpdateId: book.lastUpdateId,
      E: time,
      bids: text(book.bids),
      asks: text(book.asks),
    },
  };
}

/** `[["price","qty"], …]` as numbers; undefined when the shape is wrong. */
function levelsOf(value: unknown): Level[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: Level[] = [];
  for (const row of value) {
    if (!Array.isArray(row) || row.length < 2) return undefined;
    out.push([Number(row[0]), Number(row[1])]);
  }
  return out;
}

function depth(data: Json): ParsedMessage {
  const bids = levelsOf(data.b);
  const asks = levelsOf(data.a);
  const firstId = Number(data.U);
  const finalId = Number(data.u);
  if (
    typeof data.s !== "string" || !bids || !asks || !Number.isSafeInteger(firstId) ||
    !Number.isSafeInteger(finalId) || finalId < firstId
  ) {
    return { kind: "dropped", reason: "unknown_message" };
  }
  const diff = { firstId, finalId, bids, asks };
  return { kind: "depth", symbol: data.s.toUpperCase(), time: Number(data.E), diff };
}

/**
 * Parses a `GET /api/v3/depth` answer (`{lastUpdateId, bids, asks}`); the
 * levels' values are checked when the book loads it.
 *
 * @throws {TypeError} naming the symbol when the shape is wrong.
 */
export function depthSnapshot(symbol: string, value: unknown): BookSnapshot {
  const body = (typeof value === "object" && value !== null ? value : {}) as Json;
  const bids = levelsOf(body.bids);
  const asks = levelsOf(body.asks);
  const lastUpdateId = Number(body.lastUpdateId);
  if (!bids || !asks || !Number.isSafeInteger(lastUpdateId)) {
    throw new TypeError(`depth snapshot of ${symbol}: expected {lastUpdateId, bids, asks}`);
  }
  return { lastUpdateId, bids, asks };
}

/**
 * Parses a `GET /api/v3/historicalTrades` answer
 * (`[{id, price, qty, quoteQty, time, isBuyerMaker, isBestMatch}]`) into
 * trades of `symbol`; values are checked by the validator.
 *
 * @throws {TypeError} naming the symbol when the answer is not an array of objects.
 */
export function historicalTrades(symbol: string, value: unknown): Trade[] {
  if (!Array.isArray(value) || value.some((row) => typeof row !== "object" || row === null)) {
    throw new TypeError(`historical trades of ${symbol}: expected an array of trades`);
  }
  return (value as Json[]).map((row) => ({
    type: "trade",
    symbol,
    id: Number(row.id),
    price: Number(row.price),
    qty: Number(row.qty),
    time: Number(row.time),
    buyerMaker: row.isBuyerMaker === true,
  }));
}

function trade(data: Json, idField: "t" | "a"): ParsedMessage {
  if (typeof data.s !== "string") return { kind: "dropped", reason: "unknown_message" };
  const event: Trade = {
    type: "trade",
    symbol: data.s.toUpperCase(),
    id: Number(data[idField]),
    price: Number(data.p),
    qty: Number(data.q),
    time: Number(data.T ?? data.E),
    buyerMaker: data.m === true,
  };
  return { kind: "event", event };
}

function quote(data: Json, fallbackTime: number): ParsedMessage {
  if (typeof data.s !== "string") return { kind: "dropped", reason: "unknown_message" };
  const event: Quote = {
    type: "quote",
    symbol: data.s.toUpperCase(),
    updateId: Number(data.u),
    bid: Number(data.b),
    bidQty: Number(data.B),
    ask: Number(data.a),
    askQty: Number(data.A),
    time: Number(data.E ?? data.T ?? fallbackTime),
  };
  return { kind: "event", event };
}

function kline(data: Json): ParsedMessage {
  const k = data.k as Json | undefined;
  if (typeof data.s !== "string" || typeof k !== "object" || k === null) {
    return { kind: "dropped", reason: "unknown_message" };
  }
  if (typeof k.i !== "string" || !TIMEFRAME_SET.has(k.i)) {
    return { kind: "dropped", reason: "unknown_message" };
  }
  const candle = candleFrom(data.s.toUpperCase(), k.i as Timeframe, [
    k.t,
    k.o,
    k.h,
    k.l,
    k.c,
    k.v,
    k.T,
  ], k.x === true);
  return { kind: "event", event: candle };
}

/**
 * Builds a candle from Binance's kline array layout
 * (`[openTime, open, high, low, close, volume, closeTime, ...]`, numbers or
 * numeric strings). The values are not checked here (see `invalidEvent`).
 */
export function candleFrom(
  symbol: string,
  timeframe: Timeframe,
  row: readonly unknown[],
  closed: boolean,
): Candle {
  return {
    type: "candle",
    symbol,
    timeframe,
    openTime: Number(row[0]),
    closeTime: Number(row[6]),
    open: Number(row[1]),
    high: Number(row[2]),
    low: Number(row[3]),
    close: Number(row[4]),
    volume: Number(row[5]),
    closed,
  };
}

/**
 * The combined-stream names for a symbol: trade and bookTicker, plus kline_1m
 * and the depth diffs (`depth@100ms`) when asked.
 */
export function streamsFor(
  symbol: string,
  options: { klines?: boolean; depth?: boolean } = {},
): string[] {
  const s = symbol.toLowerCase();
  const streams = [`${s}@trade`, `${s}@bookTicker`];
  if (options.klines) streams.push(`${s}@kline_1m`);
  if (options.depth) streams.push(`${s}@depth@100ms`);
  return streams;
}

/**
 * Formats an event as a Binance combined-stream envelope (the recorder's and
 * the simulated feed's wire format), so that {@link parseMessage} gives the
 * same event back.
 */
export function toEnvelope(event: MarketEvent): { stream: string; data: Json } {
  const s = event.symbol.toLowerCase();
  switch (event.type) {
    case "trade":
      return {
        stream: `${s}@trade`,
        data: {
          e: "trade",
          E: event.time,
          s: event.symbol,
          t: event.id,
          p: String(event.price),
          q: String(event.qty),
          T: event.time,
          m: event.buyerMaker,
          M: true,
        },
      };
    case "quote":
      return {
        stream: `${s}@bookTicker`,
        data: {
          u: event.updateId,
          s: event.symbol,
          b: String(event.bid),
          B: String(event.bidQty),
          a: String(event.ask),
          A: String(event.askQty),
          E: event.time,
        },
      };
    case "candle":
      return {
        stream: `${s}@kline_${event.timeframe}`,
        data: {
          e: "kline",
          E: event.closeTime,
          s: event.symbol,
          k: {
            t: event.openTime,
            T: event.closeTime,
            s: event.symbol,
            i: event.timeframe,
            o: String(event.open),
            h: String(event.high),
            l: String(event.low),
            c: String(event.close),
            v: String(event.volume),
            x: event.closed,
          },
        },
      };
  }
}
