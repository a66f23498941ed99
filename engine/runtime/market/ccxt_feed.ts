/**
 * A venue reached through the exchange library ccxt (its WebSocket part,
 * `ccxt.pro`): trades from `watchTrades`, quotes from `watchTicker`, L2 books
 * from `watchOrderBook` (when a book sink is set), warm-up
 * candles from `fetchOHLCV`, symbol filters and default fees
 * from the venue's markets (`loadMarkets`), every trade checked by the same
 * validator as the Binance feed. Symbols are venue-qualified
 * (`okx:BTC/USDT`). The library (~60 MB) is imported on first start only, so
 * nothing that merely imports this module loads it; session workers never do.
 * `urls` points the library at other servers (tests use local ones speaking
 * the venue's real protocol).
 */
import type {
  BookTop,
  Candle,
  Level,
  MarketEvent,
  Quote,
  SymbolFilters,
  Timeframe,
  Trade,
} from "../../core/types.ts";
import { EventValidator, invalidEvent, type TimeBounds } from "../../core/market/mod.ts";
import { timeframeMs } from "../../core/types.ts";
import type { BookSink, Feed, FeedSink, FeedStatus, VenueFees } from "./feed.ts";
import { StatusTracker } from "./_feed_status.ts";
import { parseVenueSymbol } from "./venue.ts";

/** Options of {@link CcxtFeed}. */
export interface CcxtFeedOptions {
  /** ccxt exchange id (`okx`, `bybit`, …). */
  venue: string;
  /**
   * Overrides of the exchange's `urls.api` (e.g. `{rest, ws}` for OKX;
   * `{public, ws: {spot}}` for Binance: nested maps merge into the library's).
   */
  urls?: Readonly<Record<string, string | Readonly<Record<string, string>>>>;
  /** Extra ccxt exchange options (e.g. `{fetchMarkets: {types: ["spot"]}}`). */
  exchangeOptions?: Record<string, unknown>;
  /** Wall clock in ms (default `Date.now`). */
  now?: () => number;
  /** Overrides of the validator's time bounds. */
  timeBounds?: Partial<TimeBounds>;
}

/** The parts of a ccxt pro exchange this feed uses. */
interface CcxtExchange {
  urls: { api: unknown };
  loadMarkets(): Promise<Record<string, CcxtMarket>>;
  market(symbol: string): CcxtMarket;
  watchTrades(symbol: string): Promise<CcxtTrade[]>;
  watchTicker(symbol: string): Promise<CcxtTicker>;
  watchOrderBook(symbol: string): Promise<CcxtOrderBook>;
  fetchOHLCV(
    symbol: string,
    timeframe: string,
    since?: number,
    limit?: number,
  ): Promise<[number, number, number, number, number, number][]>;
  close(): Promise<void>;
}
interface CcxtMarket {
  base: string;
  quote: string;
  precision: { price?: number; amount?: number };
  limits: { cost?: { min?: number } };
  maker?: number;
  taker?: number;
}
interface CcxtOrderBook {
  bids: number[][];
  asks: number[][];
  timestamp?: number;
  nonce?: number;
}
interface CcxtTicker {
  timestamp?: number;
  bid?: number;
  bidVolume?: number;
  ask?: number;
  askVolume?: number;
}
interface CcxtTrade {
  id?: string;
  timestamp?: number;
  price: number;
  amount: number;
  side?: string;
}

/** The live feed of one ccxt venue. */
export class CcxtFeed implements Feed {
  readonly name = "ccxt" as const;
  readonly simulated = false;
  /** The venue id. */
  readonly venue: string;
  #options: CcxtFeedOptions;
  #now: () => number;
  #status: StatusTracker;
  #validator: EventValidator;
  #exchange?: Promise<CcxtExchange>;
  #symbols = new Set<string>();
  #sink?: FeedSink;
  #closed = false;
  #loops: Promise<void>[] = [];
  /** Quote update ids per symbol (the library's tickers carry none): 1, 2, 3, … */
  #quoteIds = new Map<string, number>();
  #books?: BookSink;

  constructor(options: CcxtFeedOptions) {
    this.venue = options.venue.toLowerCase();
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#status = new StatusTracker("ccxt", false, this.#now);
    this.#validator = new EventValidator({
      bounds: options.timeBounds,
      onGap: (symbol, from, to) => this.#status.gap(symbol, from, to),
    });
  }

  #load(): Promise<CcxtExchange> {
    this.#exchange ??= (async () => {
      const ccxt = await import("ccxt");
      const Exchange = (ccxt.pro as unknown as Record<string, new (config: unknown) => unknown>)[
        this.venue
      ];
      if (!Exchange) throw new TypeError(`unknown venue '${this.venue}' (no ccxt.pro exchange)`);
      const exchange = new Exchange({
        options: this.#options.exchangeOptions ?? {},
      }) as CcxtExchange;
      if (this.#options.urls) exchange.urls.api = mergeUrls(exchange.urls.api, this.#options.urls);
      await exchange.loadMarkets();
      return exchange;
    })();
    return this.#exchange;
  }

  /** The venue's pair of a symbol of this venue (`okx:BTC/USDT` → `BTC/USDT`). */
  #pair(symbol: string): string {
    const parsed = parseVenueSymbol(symbol);
    if (!parsed || parsed.venue !== this.venue) {
      throw new RangeError(
        `'${symbol}' is not a symbol of ${this.venue} (like ${this.venue}:BTC/USDT)`,
      );
    }
    return parsed.pair;
  }

  /** Loads the venue's markets and starts watching; resolves once the markets are loaded or failed. */
  async start(symbols: readonly string[], sink: FeedSink): Promise<void> {
    this.#sink = sink;
    try {
      await this.#load();
      this.#status.connection(true);
    } catch (error) {
      this.#status.connection(false, `${this.venue} unreachable: ${(error as Error).message}`);
      this.#exchange = undefined;
    }
    this.subscribe(symbols);
  }

  subscribe(symbols: readonly string[]): void {
    for (const text of symbols) {
      const symbol = parseVenueSymbol(text)?.symbol ?? text;
      if (this.#symbols.has(symbol)) continue;
      this.#symbols.add(symbol);
      this.#loops.push(this.#watch(symbol));
    }
  }

  unsubscribe(symbols: readonly string[]): void {
    for (const text of symbols) {
      const symbol = parseVenueSymbol(text)?.symbol ?? text;
      this.#symbols.delete(symbol);
      this.#validator.forget(symbol);
    }
  }

  /** Delivers each symbol's L2 book (top 100 levels) from `watchOrderBook` (call before `start`). */
  books(sink: BookSink): void {
    this.#books = sink;
  }

  /** Watches trades, the ticker (best bid and ask) and the book of a symbol until it is dropped. */
  #watch(symbol: string): Promise<void> {
    const pair = this.#pair(symbol);
    const books = this.#books;
    return Promise.all([
      books &&
      this.#loop(symbol, async (exchange) => {
        const book = bookOf(symbol, await exchange.watchOrderBook(pair));
        if (!this.#symbols.has(symbol)) return;
        if (typeof book === "string") return this.#status.drop(book);
        books(book);
      }),
      this.#loop(symbol, async (exchange) => {
        for (const trade of await exchange.watchTrades(pair)) this.#deliver(tradeOf(symbol, trade));
      }),
      this.#loop(symbol, async (exchange) => {
        const ticker = await exchange.watchTicker(pair);
        const updateId = (this.#quoteIds.get(symbol) ?? 0) + 1;
        this.#quoteIds.set(symbol, updateId);
        this.#deliver(quoteOf(symbol, updateId, ticker));
      }),
    ]).then(() => {});
  }

  /** Repeats one watch while the symbol is followed; a failure is retried with backoff. */
  async #loop(symbol: string, watch: (exchange: CcxtExchange) => Promise<void>): Promise<void> {
    let failures = 0;
    while (!this.#closed && this.#symbols.has(symbol)) {
      try {
        const exchange = await this.#load();
        await watch(exchange);
        if (failures > 0) this.#status.reconnect();
        failures = 0;
        this.#status.connection(true);
      } catch (error) {
        if (this.#closed) return;
        this.#status.connection(false, `${this.venue}: ${(error as Error).message}`);
        failures++;
        await new Promise((r) => setTimeout(r, Math.min(30_000, 250 * 2 ** failures)));
      }
    }
  }

  #deliver(event: MarketEvent): void {
    if (!this.#symbols.has(event.symbol)) return;
    const now = this.#now();
    const reason = this.#validator.check(event, now);
    if (reason) return this.#status.drop(reason);
    this.#status.event(now);
    this.#sink?.(event);
  }

  /** Closed candles before now from the venue's REST candles (`fetchOHLCV`), oldest first. */
  async history(symbol: string, timeframe: Timeframe, limit: number): Promise<Candle[]> {
    const exchange = await this.#load();
    const n = Math.max(1, Math.min(1000, Math.floor(limit)));
    const rows = await exchange.fetchOHLCV(this.#pair(symbol), timeframe, undefined, n);
    symbol = parseVenueSymbol(symbol)!.symbol;
    const span = timeframeMs(timeframe);
    const now = this.#now();
    const out: Candle[] = [];
    for (const [openTime, open, high, low, close, volume] of rows) {
      const candle: Candle = {
        type: "candle",
        symbol,
        timeframe,
        openTime,
        closeTime: openTime + span - 1,
        open,
        high,
        low,
        close,
        volume,
        closed: true,
      };
      if (!invalidEvent(candle) && candle.closeTime < now) out.push(candle);
    }
    return out.sort((a, b) => a.openTime - b.openTime);
  }

  /** Tick, step and minimum notional from the venue's market (`precision`, `limits.cost.min`). */
  async filters(symbol: string): Promise<SymbolFilters | undefined> {
    const market = await this.#market(symbol);
    if (!market) return undefined;
    return {
      tickSize: market.precision.price ?? 0,
      stepSize: market.precision.amount ?? 0,
      minNotional: market.limits.cost?.min ?? 0,
      base: market.base,
      quote: market.quote,
    };
  }

  /** The venue's default maker and taker fee rates for a symbol (undefined when unknown). */
  async fees(symbol: string): Promise<VenueFees | undefined> {
    const market = await this.#market(symbol);
    if (market?.maker === undefined || market.taker === undefined) return undefined;
    return { maker: market.maker, taker: market.taker };
  }

  async #market(symbol: string): Promise<CcxtMarket | undefined> {
    const exchange = await this.#load();
    try {
      return exchange.market(this.#pair(symbol));
    } catch (error) {
      if (error instanceof RangeError) throw error;
      return undefined;
    }
  }

  status(): FeedStatus {
    return this.#status.snapshot();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#symbols.clear();
    this.#status.connection(false, "closed");
    const exchange = await this.#exchange?.catch(() => undefined);
    await exchange?.close();
    await Promise.allSettled(this.#loops);
  }
}

/** A library trade as a trade event (its id must be numeric, as the validator checks ids). */
function tradeOf(symbol: string, raw: CcxtTrade): Trade {
  return {
    type: "trade",
    symbol,
    id: Number(raw.id),
    price: raw.price,
    qty: raw.amount,
    time: Number(raw.timestamp),
    buyerMaker: raw.side === "sell",
  };
}

/** Levels per side handed on from a library book (as the Binance book sync does). */
const BOOK_LEVELS = 100;

/**
 * A library order book as the top of an L2 book, or why it is dropped (a
 * malformed level, or a crossed top).
 */
function bookOf(symbol: string, raw: CcxtOrderBook): BookTop | "book_crossed" {
  // Plain arrays: the library's sides are Array subclasses.
  const levels = (side: number[][]): Level[] =>
    Array.from({ length: Math.min(BOOK_LEVELS, side.length) }, (_, i): Level => [
      side[i][0],
      side[i][1],
    ]);
  const bids = levels(raw.bids);
  const asks = levels(raw.asks);
  const valid = (l: Level) => l[0] > 0 && l[1] > 0 && isFinite(l[0]) && isFinite(l[1]);
  if (
    !bids.every(valid) || !asks.every(valid) || (bids[0] && asks[0] && bids[0][0] >= asks[0][0])
  ) {
    return "book_crossed";
  }
  const time = Number(raw.timestamp);
  return { type: "book", symbol, updateId: Number(raw.nonce ?? 0), time, bids, asks };
}

/** A library ticker as a quote (best bid and ask with their sizes). */
function quoteOf(symbol: string, updateId: number, raw: CcxtTicker): Quote {
  return {
    type: "quote",
    symbol,
    updateId,
    bid: Number(raw.bid),
    bidQty: Number(raw.bidVolume ?? 0),
    ask: Number(raw.ask),
    askQty: Number(raw.askVolume ?? 0),
    time: Number(raw.timestamp),
  };
}

/** The library's API URLs with `overrides` applied (a nested map merges into the library's map). */
function mergeUrls(
  api: unknown,
  overrides: Readonly<Record<string, string | Readonly<Record<string, string>>>>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...(api as Record<string, unknown>) };
  for (const [key, value] of Object.entries(overrides)) {
    const current = merged[key];
    merged[key] = typeof value === "object" && typeof current === "object" && current !== null
      ? { ...current, ...value }
      : value;
  }
  return merged;
}
