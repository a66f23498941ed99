/**
 * The main thread's market cache: per symbol the last trades, the latest
 * quote, the latest L2 book, candles per timeframe and the 24 h change.
 * Reads are O(1) or O(limit).
 */
import type { BookTop, Candle, MarketEvent, Quote, Timeframe, Trade } from "../../core/types.ts";
import { CandleSeries } from "./candle_series.ts";
import { Ring } from "./_ring.ts";

/** The ticker of a symbol. */
export interface Ticker {
  symbol: string;
  /** Last trade price (quote mid before the first trade). */
  price: number;
  bid: number | null;
  ask: number | null;
  change_24h_percent: number | null;
  /** Exchange ms of the last event. */
  time: number;
}

/** Options of {@link MarketCache}. */
export interface MarketCacheOptions {
  /** Trades kept per symbol (default 1000). */
  trades?: number;
  /** Closed candles kept per timeframe (default 500). */
  candles?: number;
  /** Timeframes built (default 1m, 5m, 15m, 1h, 4h, 1d; 1h is always included for the 24 h change). */
  timeframes?: readonly Timeframe[];
}

const DAY_MS = 86_400_000;
const DEFAULT_TIMEFRAMES: readonly Timeframe[] = ["1m", "5m", "15m", "1h", "4h", "1d"];

interface SymbolState {
  trades: Ring<Trade>;
  quote?: Quote;
  book?: BookTop;
  series: Map<Timeframe, CandleSeries>;
  first?: { price: number; time: number };
  last?: { price: number; time: number };
}

/** Per-symbol ring buffers of trades, quotes and candles. */
export class MarketCache {
  #symbols = new Map<string, SymbolState>();
  #tradeCapacity: number;
  #candleCapacity: number;
  #timeframes: readonly Timeframe[];

  constructor(options: MarketCacheOptions = {}) {
    this.#tradeCapacity = options.trades ?? 1000;
    this.#candleCapacity = options.candles ?? 500;
    const timeframes = new Set(options.timeframes ?? DEFAULT_TIMEFRAMES);
    timeframes.add("1h");
    this.#timeframes = [...timeframes];
  }

  /** The symbols seen so far. */
  symbols(): string[] {
    return [...this.#symbols.keys()];
  }

  /** The timeframes kept. */
  get timeframes(): readonly Timeframe[] {
    return this.#timeframes;
  }

  #state(symbol: string): SymbolState {
    let state = this.#symbols.get(symbol);
    if (!state) {
      state = { trades: new Ring(this.#tradeCapacity), series: new Map() };
      for (const tf of this.#timeframes) {
        state.series.set(tf, new CandleSeries(symbol, tf, { capacity: this.#candleCapacity }));
      }
      this.#symbols.set(symbol, state);
    }
    return state;
  }

  /** Applies one event; candles closed by it are appended to `closed` when given. */
  apply(event: MarketEvent, closed?: Candle[]): void {
    const state = this.#state(event.symbol);
    if (event.type === "trade") {
      state.trades.push(event);
      state.first ??= { price: event.price, time: event.time };
      state.last = { price: event.price, time: event.time };
      for (const series of state.series.values()) {
        const done = series.addTrade(event);
        if (done && closed) closed.push(done);
      }
    } else if (event.type === "quote") {
      state.quote = event;
    } else {
      state.series.get(event.timeframe)?.addCandle(event);
      if (event.closed) {
        state.first ??= { price: event.open, time: event.openTime };
        if (!state.last || state.last.time <= event.closeTime) {
          state.last = { price: event.close, time: event.closeTime };
        }
      }
    }
  }

  /** Keeps the latest L2 book of its symbol. */
  applyBook(book: BookTop): void {
    this.#state(book.symbol).book = book;
  }

  /** The latest L2 book cut to `depth` levels per side, or undefined before one arrived. */
  book(symbol: string, depth: number): BookTop | undefined {
    const book = this.#symbols.get(symbol)?.book;
    if (!book) return undefined;
    return { ...book, bids: book.bids.slice(0, depth), asks: book.asks.slice(0, depth) };
  }

  /** Loads warm-up candles (closed, oldest first) without switching the series to klines. */
  seed(symbol: string, timeframe: Timeframe, candles: readonly Candle[]): void {
    const series = this.#state(symbol).series.get(timeframe);
    for (const candle of candles) series?.addCandle(candle, { history: true });
  }

  /** The ticker, or undefined before any trade or quote of the symbol. */
  ticker(symbol: string): Ticker | undefined {
    const state = this.#symbols.get(symbol);
    if (!state) return undefined;
    const quote = state.quote;
    const price = state.last?.price ?? (quote ? (quote.bid + quote.ask) / 2 : undefined);
    if (price === undefined) return undefined;
    const time = Math.max(state.last?.time ?? 0, quote?.time ?? 0);
    const reference = state.series.get("1h")?.openAtOrAfter(time - DAY_MS) ??
      (state.first && state.first.time >= time - DAY_MS ? state.first.price : undefined);
    return {
      symbol,
      price,
      bid: quote?.bid ?? null,
      ask: quote?.ask ?? null,
      change_24h_percent: reference ? ((price - reference) / reference) * 100 : null,
      time,
    };
  }

  /** The latest quote. */
  quote(symbol: string): Quote | undefined {
    return this.#symbols.get(symbol)?.quote;
  }

  /** The newest `limit` trades, oldest first. */
  trades(symbol: string, limit = 100): Trade[] {
    return this.#symbols.get(symbol)?.trades.tail(limit) ?? [];
  }

  /** The newest `limit` candles of a timeframe, oldest first, the forming one last. */
  candles(symbol: string, timeframe: Timeframe, limit = 500): Candle[] {
    return this.#symbols.get(symbol)?.series.get(timeframe)?.candles(limit) ?? [];
  }

  /** The forming candle of every timeframe of a symbol. */
  forming(symbol: string): Candle[] {
    const out: Candle[] = [];
    for (const series of this.#symbols.get(symbol)?.series.values() ?? []) {
      if (series.forming) out.push(series.forming);
    }
    return out;
  }
}
