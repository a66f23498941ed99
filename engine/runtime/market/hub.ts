/**
 * The main thread's market hub: takes a feed's events (validated by the
 * feed) and L2 books, updates the cache, publishes numbered batches on the bus
 * (each written once into the symbol's shared ring, which every worker reads,
 * with a heartbeat counter in the ring), keeps recent batches for gap
 * recovery, and fans out to in-process listeners.
 *
 * A symbol's batch goes out as soon as it is full; the other symbols' events
 * taken before it go with the flush at the end of the turn (or after
 * `flushMs`). Every publication is part of a flush, and once a flush has
 * published everything, each ring it wrote to records so: a reader merging
 * symbols by time knows when no earlier event of another symbol can still
 * come, however late this thread runs.
 */
import { type BusRingSize, BusRingWriter, createBusRing } from "./bus_ring.ts";
import type { BookTop, Candle, MarketEvent } from "../../core/types.ts";
import type { Feed, FeedStatus } from "./feed.ts";
import { MarketCache, type MarketCacheOptions } from "./cache.ts";
import type { BusBatch, BusEvent } from "./bus.ts";
import { Ring } from "./_ring.ts";

/** Levels per side of the books published on the bus (what session fills can walk). */
export const BUS_BOOK_DEPTH = 20;

/** Options of {@link MarketHub}. */
export interface MarketHubOptions {
  /** Most events per bus batch (default 500). */
  batchMax?: number;
  /** Batches kept per symbol for recovery (default 4096). */
  retainBatches?: number;
  /** Period of the heartbeat counter in each ring, in ms (default 250). */
  heartbeatMs?: number;
  /** Busy-market delay before publishing pending events, in ms (default 0 = next macrotask); a quiet market publishes at the end of the current turn. */
  flushMs?: number;
  /** Load warm-up candles (1m and 1h) from the feed at start (default true). */
  warmup?: boolean;
  /** Cache sizes and timeframes. */
  cache?: MarketCacheOptions;
  /** Size of each symbol's shared ring (default 4096 batches, 8 MiB of events). */
  ring?: BusRingSize;
}

/** What {@link MarketHub.health} reports. */
export interface HubHealth {
  feed: FeedStatus;
  symbols: string[];
  /** Dropped messages by reason (the feed's validation). */
  dropped: Record<string, number>;
  batches_published: number;
  /** Events accepted by the hub. */
  events: number;
  /** Listener calls that threw. */
  listener_errors: number;
}

/** A listener of hub topics. */
export type HubListener = (events: readonly MarketEvent[]) => void;

interface Topic {
  ring: BusRingWriter;
  seq: number;
  /** The newest seq recorded in the ring as published by a completed flush. */
  flushed: number;
  pending: BusEvent[];
  retained: Ring<BusBatch>;
  /** When each retained batch was published (`performance.now()`), aligned with `retained`. */
  publishedAt: Ring<number>;
  closedCandles: Candle[];
}

/** Fans one feed out to the cache, the bus and in-process listeners. */
export class MarketHub {
  /** The market cache, updated before anything is published. */
  readonly cache: MarketCache;
  #feed: Feed;
  #batchMax: number;
  #retain: number;
  #heartbeatMs: number;
  #flushMs: number;
  #warmup: boolean;
  #ringSize: BusRingSize;
  #topics = new Map<string, Topic>();
  #listeners = new Map<string, Set<HubListener>>();
  #bookListeners = new Map<string, Set<(book: BookTop) => void>>();
  #events = 0;
  #batches = 0;
  #listenerErrors = 0;
  #flushTimer?: ReturnType<typeof setTimeout>;
  #flushScheduled = false;
  #lastFlush = -Infinity;
  #heartbeat?: ReturnType<typeof setInterval>;
  #closed = false;

  constructor(feed: Feed, options: MarketHubOptions = {}) {
    this.#feed = feed;
    this.#batchMax = options.batchMax ?? 500;
    this.#retain = options.retainBatches ?? 4096;
    this.#heartbeatMs = options.heartbeatMs ?? 250;
    this.#flushMs = options.flushMs ?? 0;
    this.#warmup = options.warmup ?? true;
    this.#ringSize = options.ring ?? {};
    this.cache = new MarketCache(options.cache);
  }

  /** Loads warm-up candles, then starts the feed for the symbols. */
  async start(symbols: readonly string[]): Promise<void> {
    for (const symbol of symbols) this.#topic(symbol);
    if (this.#warmup) {
      await Promise.allSettled(
        symbols.flatMap((symbol) =>
          (["1m", "1h"] as const).map(async (tf) => {
            this.cache.seed(
              symbol,
              tf,
              await this.#feed.history(symbol, tf, tf === "1m" ? 500 : 25),
            );
          })
        ),
      );
    }
    this.#feed.books?.((book) => this.ingestBook(book));
    await this.#feed.start(symbols, (event) => this.ingest(event));
  }

  /** Adds symbols to the running feed. */
  subscribe(symbols: readonly string[]): void {
    for (const symbol of symbols) this.#topic(symbol);
    this.#feed.subscribe(symbols);
  }

  /** Removes symbols from the running feed (their rings stay). */
  unsubscribe(symbols: readonly string[]): void {
    this.#feed.unsubscribe(symbols);
  }

  /**
   * The feed's sink: applies one event, which the feed has validated, to the
   * cache and queues it for the bus.
   */
  ingest(event: MarketEvent): void {
    if (this.#closed) return;
    this.#events++;
    const topic = this.#topic(event.symbol);
    this.cache.apply(event, topic.closedCandles);
    this.#queue(event, topic);
  }

  #queue(event: BusEvent, topic: Topic): void {
    topic.pending.push(event);
    // Even when the batch goes at once: the flush completes it (see the module doc).
    if (!this.#flushScheduled) this.#scheduleFlush();
    if (topic.pending.length >= this.#batchMax) this.#publish(event.symbol, topic);
  }

  /**
   * The feed's book sink: keeps the book in the cache, queues its top
   * {@link BUS_BOOK_DEPTH} levels for the bus (sessions fill against them) and
   * hands it to `book:SYMBOL` listeners.
   */
  ingestBook(book: BookTop): void {
    if (this.#closed) return;
    this.cache.applyBook(book);
    const top = {
      ...book,
      bids: book.bids.slice(0, BUS_BOOK_DEPTH),
      asks: book.asks.slice(0, BUS_BOOK_DEPTH),
    };
    this.#queue(top, this.#topic(book.symbol));
    for (const fn of this.#bookListeners.get(book.symbol) ?? []) {
      try {
        fn(book);
      } catch {
        this.#listenerErrors++;
      }
    }
  }

  /** Listens to the L2 books of a symbol (`book:SYMBOL`). Returns the unsubscribe function. */
  listenBook(symbol: string, fn: (book: BookTop) => void): () => void {
    let set = this.#bookListeners.get(symbol);
    if (!set) this.#bookListeners.set(symbol, set = new Set());
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0) this.#bookListeners.delete(symbol);
    };
  }

  /**
   * Quiet market: publish at the end of this turn (lowest latency). Busy market
   * (the last flush was under `flushMs` + 1 ms ago): wait for a timer so events
   * arriving meanwhile share one batch — fewer, larger bus messages.
   */
  #scheduleFlush(): void {
    this.#flushScheduled = true;
    if (performance.now() - this.#lastFlush > this.#flushMs + 1) {
      queueMicrotask(() => {
        if (this.#flushScheduled) this.flush();
      });
    } else {
      this.#flushTimer = setTimeout(() => this.flush(), this.#flushMs);
    }
  }

  /** Publishes every pending event now, then records in each ring written to that this flush is complete. */
  flush(): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    this.#flushScheduled = false;
    this.#lastFlush = performance.now();
    for (const [symbol, topic] of this.#topics) {
      if (topic.pending.length > 0) this.#publish(symbol, topic);
    }
    // Only after every ring's batches: a reader that sees one ring flushed sees them all.
    for (const topic of this.#topics.values()) {
      if (topic.flushed !== topic.seq) topic.ring.flushed(topic.flushed = topic.seq);
    }
  }

  #topic(symbol: string): Topic {
    let topic = this.#topics.get(symbol);
    if (!topic) {
      topic = {
        ring: new BusRingWriter(createBusRing(this.#ringSize)),
        seq: 0,
        flushed: 0,
        pending: [],
        retained: new Ring(this.#retain),
        publishedAt: new Ring(this.#retain),
        closedCandles: [],
      };
      this.#topics.set(symbol, topic);
      this.#heartbeat ??= setInterval(() => this.#beat(), this.#heartbeatMs);
    }
    return topic;
  }

  #publish(symbol: string, topic: Topic): void {
    const events = topic.pending;
    topic.pending = [];
    const batch: BusBatch = { symbol, seq: ++topic.seq, events };
    topic.retained.push(batch);
    topic.publishedAt.push(performance.now());
    topic.ring.write(batch.seq, events);
    this.#batches++;
    this.#notify(symbol, topic, events);
  }

  #notify(symbol: string, topic: Topic, batch: BusEvent[]): void {
    const tickers = this.#listeners.get(`ticker:${symbol}`);
    const trades = this.#listeners.get(`trades:${symbol}`);
    const data = this.#listeners.get(`market_data:${symbol}`);
    const events = tickers || trades || data
      ? batch.filter((e): e is MarketEvent => e.type !== "book")
      : [];
    if (tickers) this.#call(tickers, events.filter((e) => e.type !== "candle"));
    if (trades) this.#call(trades, events.filter((e) => e.type === "trade"));
    if (data) {
      const out: MarketEvent[] = [...topic.closedCandles];
      out.push(...events.filter((e) => e.type !== "trade"));
      out.push(...this.cache.forming(symbol));
      this.#call(data, out);
    }
    topic.closedCandles.length = 0;
  }

  #call(listeners: Set<HubListener>, events: readonly MarketEvent[]): void {
    if (events.length === 0) return;
    for (const fn of listeners) {
      try {
        fn(events);
      } catch {
        this.#listenerErrors++;
      }
    }
  }

  #beat(): void {
    for (const topic of this.#topics.values()) topic.ring.beat();
  }

  /**
   * Listens to a topic: `ticker:SYMBOL` (trades and quotes), `trades:SYMBOL`,
   * `market_data:SYMBOL` (candles and quotes). Returns the unsubscribe function.
   */
  listen(topic: string, fn: HubListener): () => void {
    let set = this.#listeners.get(topic);
    if (!set) this.#listeners.set(topic, set = new Set());
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0) this.#listeners.delete(topic);
    };
  }

  /**
   * Batches seq in [from, to] of the symbol's bus, or null when any of
   * them is no longer retained. Serve this to workers that report a gap.
   */
  recover(symbol: string, from: number, to: number): BusBatch[] | null {
    const topic = this.#topics.get(symbol);
    if (!topic || from < 1 || to < from || to > topic.seq) return null;
    const first = topic.seq - topic.retained.size + 1;
    if (from < first) return null;
    const out: BusBatch[] = [];
    for (let seq = from; seq <= to; seq++) out.push(topic.retained.at(seq - first) as BusBatch);
    return out;
  }

  /**
   * How far behind the symbol's newest batch a subscriber is that has handled
   * every batch up to `handledSeq`: ms since the oldest batch it has not yet
   * handled was published (at least since the oldest one retained), 0 when
   * it is up to date.
   */
  lagMs(symbol: string, handledSeq: number, now = performance.now()): number {
    const topic = this.#topics.get(symbol);
    if (!topic || handledSeq >= topic.seq) return 0;
    const first = topic.seq - topic.publishedAt.size + 1;
    const publishedAt = topic.publishedAt.at(Math.max(handledSeq + 1, first) - first) ?? now;
    return Math.max(0, now - publishedAt);
  }

  /** The shared ring of a symbol's batches, for subscribers (created on first use). */
  ring(symbol: string): SharedArrayBuffer {
    return this.#topic(symbol).ring.buffer;
  }

  /** Current last seq per symbol (a new subscriber starts after it). */
  lastSeq(symbol: string): number {
    return this.#topics.get(symbol)?.seq ?? 0;
  }

  /** Feed status, symbols, drops and throughput counters. */
  health(): HubHealth {
    const feed = this.#feed.status();
    return {
      feed,
      symbols: [...this.#topics.keys()],
      dropped: { ...feed.dropped },
      batches_published: this.#batches,
      events: this.#events,
      listener_errors: this.#listenerErrors,
    };
  }

  /** Flushes, stops the feed and the heartbeat (readers then see the hub down). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    clearInterval(this.#heartbeat);
    await this.#feed.close();
  }
}
