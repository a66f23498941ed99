/**
 * Pure parsing and formatting of Binance spot public market-data messages:
 * combined-stream envelopes (`{"stream":...,"data":...}`) and raw streams,
 * `trade`, `aggTrade`, `bookTicker` and `kline` payloads, and control replies.
 *
 * Nothing here does I/O or keeps state; stateful checks (known symbols,
 * trade-id order) live in the feed.
 */
import type { Candle, MarketEvent, Quote, Timeframe, Trade } from "../../core/types.ts";
import { TIMEFRAMES } from "../../core/types.ts";

/** Why a message was dropped (keys of `FeedStatus.dropped`). */
export type DropReason =
  | "invalid_json"
  | "unknown_message"
  | "invalid_number"
  | "non_positive"
  | "unknown_symbol"
  | "duplicate"
  | "out_of_order";

/** The result of {@link parseMessage}. */
export type ParsedMessage =
  | { readonly kind: "event"; readonly event: MarketEvent }
  | { readonly kind: "reply"; readonly id: number; readonly error?: string }
  | { readonly kind: "dropped"; readonly reason: DropReason };

const TIMEFRAME_SET: ReadonlySet<string> = new Set(TIMEFRAMES);
type Json = Record<string, unknown>;

/**
 * Parses one WebSocket text frame (combined envelope or raw stream payload).
 * `fallbackTime` is used as the quote time when a bookTicker carries none.
 * Never throws: malformed input comes back as `{kind: "dropped", reason}`.
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
  return { kind: "dropped", reason: "unknown_message" };
}

function trade(data: Json, idField: "t" | "a"): ParsedMessage {
  const price = Number(data.p);
  const qty = Number(data.q);
  const id = Number(data[idField]);
  const time = Number(data.T ?? data.E);
  if (typeof data.s !== "string") return { kind: "dropped", reason: "unknown_message" };
  if (!(isFinite(price) && isFinite(qty) && Number.isInteger(id) && isFinite(time))) {
    return { kind: "dropped", reason: "invalid_number" };
  }
  if (price <= 0 || qty <= 0) return { kind: "dropped", reason: "non_positive" };
  const event: Trade = {
    type: "trade",
    symbol: data.s.toUpperCase(),
    id,
    price,
    qty,
    time,
    buyerMaker: data.m === true,
  };
  return { kind: "event", event };
}

function quote(data: Json, fallbackTime: number): ParsedMessage {
  const bid = Number(data.b);
  const bidQty = Number(data.B);
  const ask = Number(data.a);
  const askQty = Number(data.A);
  const updateId = Number(data.u);
  const time = Number(data.E ?? data.T ?? fallbackTime);
  if (typeof data.s !== "string") return { kind: "dropped", reason: "unknown_message" };
  if (
    !(isFinite(bid) && isFinite(bidQty) && isFinite(ask) && isFinite(askQty) &&
      Number.isInteger(updateId) && isFinite(time))
  ) return { kind: "dropped", reason: "invalid_number" };
  if (bid <= 0 || ask <= 0 || bidQty < 0 || askQty < 0) {
    return { kind: "dropped", reason: "non_positive" };
  }
  const event: Quote = {
    type: "quote",
    symbol: data.s.toUpperCase(),
    updateId,
    bid,
    bidQty,
    ask,
    askQty,
    time,
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
  return typeof candle === "string"
    ? { kind: "dropped", reason: candle }
    : { kind: "event", event: candle };
}

/**
 * Builds a candle from Binance's kline array layout
 * (`[openTime, open, high, low, close, volume, closeTime, ...]`, numbers or
 * numeric strings). Returns the drop reason when a field is invalid.
 */
export function candleFrom(
  symbol: string,
  timeframe: Timeframe,
  row: readonly unknown[],
  closed: boolean,
): Candle | DropReason {
  const [openTime, open, high, low, close, volume, closeTime] = row.slice(0, 7).map(Number);
  if (![openTime, open, high, low, close, volume, closeTime].every(isFinite)) {
    return "invalid_number";
  }
  if (open <= 0 || high <= 0 || low <= 0 || close <= 0 || volume < 0) return "non_positive";
  return {
    type: "candle",
    symbol,
    timeframe,
    openTime,
    closeTime,
    open,
    high,
    low,
    close,
    volume,
    closed,
  };
}

/** The combined-stream names for a symbol: trade and bookTicker, plus kline_1m when asked. */
export function streamsFor(symbol: string, options: { klines?: boolean } = {}): string[] {
  const s = symbol.toLowerCase();
  return options.klines
    ? [`${s}@trade`, `${s}@bookTicker`, `${s}@kline_1m`]
    : [`${s}@trade`, `${s}@bookTicker`];
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
