/**
 * The one venue abstraction: a {@link Feed} over several venues. Bare
 * symbols (`BTCUSDT`) go to the base feed (Binance's fast adapter, or the
 * simulated or replay feed); venue-qualified symbols (`okx:BTC/USDT`) go to a
 * ccxt feed of their venue, created when the venue is first used. Everything
 * above (hub, cache, sessions) sees one feed; the venue-specific code stays in
 * the adapters.
 */
import type { Candle, SymbolFilters, Timeframe } from "../../core/types.ts";
import type { BookSink, Feed, FeedSink, FeedStatus, VenueFees } from "./feed.ts";
import { CcxtFeed } from "./ccxt_feed.ts";
import { parseVenueSymbol } from "./venue.ts";

/** Options of {@link VenueFeeds}. */
export interface VenueFeedsOptions {
  /** Per venue, overrides of the exchange library's API URLs (e.g. local protocol servers). */
  urls?: Readonly<Record<string, Readonly<Record<string, string | Record<string, string>>>>>;
  /** Builds a venue's feed (default: a {@link CcxtFeed}). */
  venueFeed?: (venue: string) => Feed;
}

/** The feeds of every venue in use, behind one {@link Feed}. */
export class VenueFeeds implements Feed {
  readonly #base: Feed;
  readonly #options: VenueFeedsOptions;
  readonly #venues = new Map<string, Feed>();
  #sink?: FeedSink;
  #books?: BookSink;

  constructor(base: Feed, options: VenueFeedsOptions = {}) {
    this.#base = base;
    this.#options = options;
  }

  get name(): Feed["name"] {
    return this.#base.name;
  }

  get simulated(): boolean {
    return this.#base.simulated;
  }

  /** The feed that serves `symbol` (the base feed for bare symbols). */
  #feedOf(symbol: string): Feed {
    const parsed = parseVenueSymbol(symbol);
    if (!parsed || !symbol.includes(":")) return this.#base;
    let feed = this.#venues.get(parsed.venue);
    if (!feed) {
      feed = this.#options.venueFeed?.(parsed.venue) ??
        new CcxtFeed({ venue: parsed.venue, urls: this.#options.urls?.[parsed.venue] });
      this.#venues.set(parsed.venue, feed);
      if (this.#books) feed.books?.(this.#books);
      if (this.#sink) void feed.start([], this.#sink);
    }
    return feed;
  }

  /** Groups symbols by the feed that serves them. */
  #split(symbols: readonly string[]): Map<Feed, string[]> {
    const groups = new Map<Feed, string[]>();
    for (const symbol of symbols) {
      const feed = this.#feedOf(symbol);
      groups.set(feed, [...groups.get(feed) ?? [], symbol]);
    }
    return groups;
  }

  /** The name of the feed serving `symbol` (a venue's id for venue symbols) and whether it is simulated. */
  label(symbol: string): { name: string; simulated: boolean } {
    const venue = symbol.includes(":") ? parseVenueSymbol(symbol)?.venue : undefined;
    if (venue === undefined) {
      return { name: this.#base.status().name, simulated: this.#base.simulated };
    }
    return { name: venue, simulated: false };
  }

  books(sink: BookSink): void {
    this.#books = sink;
    this.#base.books?.(sink);
    for (const feed of this.#venues.values()) feed.books?.(sink);
  }

  async start(symbols: readonly string[], sink: FeedSink): Promise<void> {
    this.#sink = sink;
    const groups = this.#split(symbols);
    if (!groups.has(this.#base)) groups.set(this.#base, []);
    await Promise.all([...groups].map(([feed, list]) => feed.start(list, sink)));
  }

  subscribe(symbols: readonly string[]): void {
    for (const [feed, list] of this.#split(symbols)) feed.subscribe(list);
  }

  unsubscribe(symbols: readonly string[]): void {
    for (const [feed, list] of this.#split(symbols)) feed.unsubscribe(list);
  }

  history(symbol: string, timeframe: Timeframe, limit: number): Promise<Candle[]> {
    return this.#feedOf(symbol).history(symbol, timeframe, limit);
  }

  filters(symbol: string): Promise<SymbolFilters | undefined> {
    return this.#feedOf(symbol).filters(symbol);
  }

  continueAfter(symbol: string, last: { id: number; price: number }): void {
    this.#feedOf(symbol).continueAfter?.(symbol, last);
  }

  fees(symbol: string): Promise<VenueFees | undefined> {
    return this.#feedOf(symbol).fees?.(symbol) ?? Promise.resolve(undefined);
  }

  /** The base feed's status, with each other venue's under `venues`. */
  status(): FeedStatus {
    const status = this.#base.status();
    if (this.#venues.size === 0) return status;
    const venues: Record<string, FeedStatus> = {};
    for (const [venue, feed] of this.#venues) venues[venue] = feed.status();
    return { ...status, venues };
  }

  async close(): Promise<void> {
    await Promise.all([this.#base, ...this.#venues.values()].map((feed) => feed.close()));
  }
}
