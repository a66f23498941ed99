/**
 * The one interface every market-data source implements (Binance live,
 * ccxt venues, simulated, replay, and the venues composite), and the status
 * it reports.
 */
import type { BookTop, Candle, MarketEvent, SymbolFilters, Timeframe } from "../../core/types.ts";

/** Name of a feed adapter. */
export type FeedName = "sim" | "binance" | "replay" | "ccxt";

/** Health of a feed, as shown by the API and the dashboard. */
export interface FeedStatus {
  name: FeedName;
  /** True when the data is generated, not from an exchange. */
  simulated: boolean;
  connected: boolean;
  /** Why not connected, or why this feed was chosen. */
  reason?: string;
  /** Wall-clock ms of the last delivered event. */
  last_event_at: number | null;
  reconnects: number;
  /** Trade-id gaps seen (the last 20). */
  gaps: { symbol: string; from_id: number; to_id: number; at: number }[];
  /** Dropped messages by reason. */
  dropped: Record<string, number>;
  /** Events delivered to the sink. */
  events: number;
  /** Times an L2 book was (re)loaded from a snapshot: first sync, then after each gap. */
  book_syncs?: number;
  /** Trades fetched over REST to fill holes in the trade ids (e.g. after a reconnect). */
  backfilled?: number;
  /** REST fetches of missing trades that failed (those trades are reported as gaps). */
  backfill_failures?: number;
  /** The status of each other venue's feed (venue-qualified symbols), by venue id. */
  venues?: Record<string, FeedStatus>;
}

/** Default maker and taker fee rates of a symbol, from its venue. */
export interface VenueFees {
  readonly maker: number;
  readonly taker: number;
}

/** Receives the normalised events of a feed. */
export interface FeedSink {
  (event: MarketEvent): void;
}

/** Receives the top levels of a symbol's L2 book after every update that keeps it in sync. */
export interface BookSink {
  (book: BookTop): void;
}

/** A source of normalised market events. */
export interface Feed {
  readonly name: FeedName;
  readonly simulated: boolean;
  /** Starts delivering normalised events for the symbols to the sink. */
  start(symbols: readonly string[], sink: FeedSink): Promise<void>;
  /** Adds symbols while running. */
  subscribe(symbols: readonly string[]): void;
  /** Removes symbols while running. */
  unsubscribe(symbols: readonly string[]): void;
  /**
   * Closed candles before now for warm-up, oldest first (Binance: REST klines;
   * sim: generated deterministically; replay: from the file). A feed that can
   * gives the last `limit` closed before `until` (exchange ms) instead; the
   * caller drops any later ones.
   */
  history(symbol: string, timeframe: Timeframe, limit: number, until?: number): Promise<Candle[]>;
  /** Symbol filters (Binance: exchangeInfo; others: undefined → caller uses defaults). */
  filters(symbol: string): Promise<SymbolFilters | undefined>;
  /**
   * A generated feed taking over a symbol another process ran (a node of a
   * cluster) goes on after its last trade (ids and price) instead of starting
   * again; call before the symbol starts. Exchange feeds have no such need.
   */
  continueAfter?(symbol: string, last: { id: number; price: number }): void;
  /** Default fee rates of a symbol from its venue (venues that publish them). */
  fees?(symbol: string): Promise<VenueFees | undefined>;
  /** Delivers L2 books to `sink` (feeds with depth data; call before `start`). */
  books?(sink: BookSink): void;
  /** A snapshot of the feed's health. */
  status(): FeedStatus;
  /** Stops the feed and releases its sockets and timers. */
  close(): Promise<void>;
}
