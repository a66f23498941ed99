/**
 * Market data once per cluster: for each symbol one node (the holder of the
 * feed's lease in PostgreSQL) runs the real feed and publishes its normalised
 * events, in batches, to the cluster's JetStream stream `MARKET_<cluster>`
 * (subjects `market.<cluster>.<venue>.<SYMBOL>.<trade|quote|candle>`,
 * numbered by the stream);
 * every node, the holder included, feeds its hub from the stream. When the
 * holder dies its leases expire and another node starts the feed.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import {
  DeliverPolicy,
  jetstream,
  type JetStreamClient,
  jetstreamManager,
} from "@nats-io/jetstream";
import type { Db } from "../../../db/mod.ts";
import { LeaseTable } from "../../../db/stores/mod.ts";
import type { Candle, MarketEvent, SymbolFilters, Timeframe } from "../../core/types.ts";
import type { BookSink, Feed, FeedSink, FeedStatus } from "../market/feed.ts";
import type { Logger } from "../log.ts";

/** The stream of cluster `clusterId` that every node's hub reads market events from. */
export function marketStream(clusterId: string): string {
  return `MARKET_${clusterId}`;
}
/** How long the stream keeps market events. */
const RETENTION_MS = 60 * 60 * 1000;
/** How long events wait to be batched into one message. */
const BATCH_MS = 20;

/** What a shared feed needs. */
export interface SharedFeedOptions {
  readonly nc: NatsConnection;
  /** Prefixes the subjects and names the stream, so clusters sharing a NATS server stay apart. */
  readonly clusterId: string;
  readonly db: Db;
  readonly nodeId: string;
  readonly leaseMs: number;
  readonly log: Logger;
}

/** A message being consumed from the stream (what is stopped on close). */
interface Consuming {
  stop(): unknown;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A {@link Feed} that reads the cluster's stream and runs `inner` for the symbols it holds. */
export class SharedFeed implements Feed {
  readonly name: Feed["name"];
  readonly simulated: boolean;
  readonly #inner: Feed;
  readonly #options: SharedFeedOptions;
  readonly #table: LeaseTable;
  readonly #js: JetStreamClient;
  readonly #symbols = new Set<string>();
  /** Symbols whose feed this node runs and publishes. */
  readonly #held = new Set<string>();
  readonly #consuming = new Map<string, Consuming>();
  readonly #pending = new Map<string, MarketEvent[]>();
  #innerStarted = false;
  /** Until when (`performance.now()`) the leases last confirmed are surely still held. */
  #heldUntil = 0;
  #sink: FeedSink = () => {};
  #timer: ReturnType<typeof setInterval> | undefined;
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #received = 0;
  #published = 0;
  #lastEventAt: number | null = null;
  #closed = false;

  constructor(inner: Feed, options: SharedFeedOptions) {
    this.name = inner.name;
    this.simulated = inner.simulated;
    this.#inner = inner;
    this.#options = options;
    this.#table = new LeaseTable(options.db);
    this.#js = jetstream(options.nc);
  }

  /** Creates the stream if needed, reads each symbol from it, and takes the feeds nobody runs. */
  async start(symbols: readonly string[], sink: FeedSink): Promise<void> {
    this.#sink = sink;
    const jsm = await jetstreamManager(this.#options.nc);
    await jsm.streams.add({
      name: marketStream(this.#options.clusterId),
      subjects: [`market.${this.#options.clusterId}.>`],
      max_age: RETENTION_MS * 1_000_000,
    });
    this.subscribe(symbols);
    await this.#lease();
    this.#timer = setInterval(() => {
      this.#lease().catch((error) =>
        this.#options.log.warn(`market feed leases: ${(error as Error).message}`)
      );
    }, this.#options.leaseMs / 5);
  }

  subscribe(symbols: readonly string[]): void {
    for (const symbol of symbols) {
      if (this.#symbols.has(symbol)) continue;
      this.#symbols.add(symbol);
      this.#consume(symbol).catch((error) =>
        this.#options.log.error(`market ${symbol}: cannot read the stream: ${error}`)
      );
    }
  }

  unsubscribe(symbols: readonly string[]): void {
    for (const symbol of symbols) {
      this.#symbols.delete(symbol);
      this.#consuming.get(symbol)?.stop();
      this.#consuming.delete(symbol);
    }
  }

  history(symbol: string, timeframe: Timeframe, limit: number): Promise<Candle[]> {
    return this.#inner.history(symbol, timeframe, limit);
  }

  filters(symbol: string): Promise<SymbolFilters | undefined> {
    return this.#inner.filters(symbol);
  }

  books(sink: BookSink): void {
    this.#inner.books?.(sink);
  }

  /** The inner feed's status, with the events read from the stream and the feeds run here. */
  status(): FeedStatus & { readonly ingesting: string[]; readonly published: number } {
    return {
      ...this.#inner.status(),
      connected: this.#consuming.size === this.#symbols.size,
      last_event_at: this.#lastEventAt,
      events: this.#received,
      ingesting: [...this.#held],
      published: this.#published,
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    clearTimeout(this.#flushTimer);
    this.#flush();
    for (const consuming of this.#consuming.values()) consuming.stop();
    this.#consuming.clear();
    // Another node takes the feeds over at once.
    await this.#table.releaseFeeds(this.#options.nodeId, [...this.#held].map(this.#feed, this))
      .catch(() => {});
    await this.#inner.close();
  }

  /** `market.<cluster>.<venue>`: the subjects' common start. */
  get #prefix(): string {
    return `market.${this.#options.clusterId}.${this.name}`;
  }

  #feed(symbol: string): string {
    return `${this.name}.${symbol}`;
  }

  /** Keeps the feed leases this node holds and takes those nobody holds; starts or stops `inner` to match. */
  async #lease(): Promise<void> {
    if (this.#closed) return;
    const symbols = [...this.#symbols];
    const asked = performance.now();
    const held = await this.#table.holdFeeds(
      this.#options.nodeId,
      symbols.map(this.#feed, this),
      this.#options.leaseMs,
    );
    if (this.#closed) return;
    this.#heldUntil = asked + this.#options.leaseMs;
    const gained = symbols.filter((s) => held.has(this.#feed(s)) && !this.#held.has(s));
    const lost = [...this.#held].filter((s) => !held.has(this.#feed(s)));
    for (const symbol of lost) this.#held.delete(symbol);
    if (lost.length > 0) {
      this.#inner.unsubscribe(lost);
      this.#options.log.warn(`market ${lost.join(", ")}: another node ingests it now`);
    }
    if (gained.length === 0) return;
    for (const symbol of gained) this.#held.add(symbol);
    this.#options.log.info(`market ${gained.join(", ")}: ingested by this node for the cluster`);
    if (this.#innerStarted) this.#inner.subscribe(gained);
    else {
      this.#innerStarted = true;
      await this.#inner.start(gained, (event) => this.#fromInner(event));
    }
  }

  /**
   * An event of the feed this node runs: batched for the stream, unless the
   * lease may have expired (this process was paused): then another node may
   * ingest the symbol already, and the event is dropped.
   */
  #fromInner(event: MarketEvent): void {
    if (!this.#held.has(event.symbol) || this.#closed) return;
    if (performance.now() > this.#heldUntil) return;
    const subject = `${this.#prefix}.${event.symbol}.${event.type}`;
    let batch = this.#pending.get(subject);
    if (!batch) this.#pending.set(subject, batch = []);
    batch.push(event);
    this.#flushTimer ??= setTimeout(() => this.#flush(), BATCH_MS);
  }

  #flush(): void {
    this.#flushTimer = undefined;
    for (const [subject, events] of this.#pending) {
      this.#published += events.length;
      this.#js.publish(subject, encoder.encode(JSON.stringify(events))).catch((error) =>
        this.#options.log.warn(`market: ${events.length} events not published: ${error}`)
      );
    }
    this.#pending.clear();
  }

  /** Feeds the hub with `symbol`'s events from the stream, from now on, reading again if it stops. */
  async #consume(symbol: string): Promise<void> {
    await this.#read(symbol);
    if (this.#closed || !this.#symbols.has(symbol)) return;
    this.#options.log.warn(`market ${symbol}: reading the stream stopped; reading again`);
    this.#consuming.delete(symbol);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    if (!this.#closed && this.#symbols.has(symbol)) await this.#consume(symbol);
  }

  async #read(symbol: string): Promise<void> {
    const consumer = await this.#js.consumers.get(marketStream(this.#options.clusterId), {
      filter_subjects: `${this.#prefix}.${symbol}.>`,
      deliver_policy: DeliverPolicy.New,
    });
    const messages = await consumer.consume();
    if (this.#closed || !this.#symbols.has(symbol)) return void messages.stop();
    this.#consuming.set(symbol, messages);
    for await (const message of messages) {
      const events = JSON.parse(decoder.decode(message.data)) as MarketEvent[];
      this.#received += events.length;
      this.#lastEventAt = Date.now();
      for (const event of events) this.#sink(event);
    }
  }
}
