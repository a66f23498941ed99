/**
 * Shared value types of the pure core: normalised market events and the
 * timeframes they are aggregated into. Every module of the engine speaks
 * these shapes; nothing here does I/O.
 *
 * Times are exchange time in epoch milliseconds.
 */

/** A trade printed by the exchange. */
export interface Trade {
  readonly type: "trade";
  /** Upper-case symbol, e.g. `BTCUSDT`. */
  readonly symbol: string;
  /** Exchange trade id, strictly increasing per symbol. */
  readonly id: number;
  readonly price: number;
  readonly qty: number;
  /** Trade time (exchange ms). */
  readonly time: number;
  /** True when the buyer was the maker (the aggressor sold). */
  readonly buyerMaker: boolean;
}

/** Best bid and ask. */
export interface Quote {
  readonly type: "quote";
  readonly symbol: string;
  /** Exchange update id, increasing per symbol. */
  readonly updateId: number;
  readonly bid: number;
  readonly bidQty: number;
  readonly ask: number;
  readonly askQty: number;
  /** Exchange ms (the time of the last trade seen when the exchange sends none). */
  readonly time: number;
}

/** An OHLCV candle. `closed` is false while the candle is still forming. */
export interface Candle {
  readonly type: "candle";
  readonly symbol: string;
  readonly timeframe: Timeframe;
  /** Start of the candle (inclusive, exchange ms). */
  readonly openTime: number;
  /** End of the candle (openTime + duration − 1, exchange ms). */
  readonly closeTime: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  readonly closed: boolean;
}

/** One L2 price level: price and visible quantity. */
export type Level = [price: number, qty: number];

/** The top levels of a symbol's L2 book at one moment, best first on each side. */
export interface BookTop {
  readonly type: "book";
  readonly symbol: string;
  /** Exchange update id of the book these levels were read from. */
  readonly updateId: number;
  /** Exchange ms. */
  readonly time: number;
  /** Bids, highest price first. */
  readonly bids: readonly Level[];
  /** Asks, lowest price first. */
  readonly asks: readonly Level[];
}

/** Any normalised market event. */
export type MarketEvent = Trade | Quote | Candle;

/** Timeframes the engine aggregates and the DSL accepts. */
export const TIMEFRAMES = [
  "1s",
  "1m",
  "3m",
  "5m",
  "15m",
  "30m",
  "1h",
  "2h",
  "4h",
  "6h",
  "8h",
  "12h",
  "1d",
] as const;

/** One of {@link TIMEFRAMES}. */
export type Timeframe = typeof TIMEFRAMES[number];

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Duration of a timeframe in milliseconds. */
export function timeframeMs(timeframe: Timeframe): number {
  return Number(timeframe.slice(0, -1)) * UNIT_MS[timeframe.slice(-1)];
}

/** Price and quantity rules of a symbol (as in the exchange's exchangeInfo). */
export interface SymbolFilters {
  readonly tickSize: number;
  readonly stepSize: number;
  readonly minNotional: number;
  /** Base asset, e.g. `BTC`. */
  readonly base: string;
  /** Quote asset, e.g. `USDT`. */
  readonly quote: string;
}

/** Quote-currency capital a session or backtest starts with unless told otherwise. */
export const DEFAULT_INITIAL_CAPITAL = 10_000;
