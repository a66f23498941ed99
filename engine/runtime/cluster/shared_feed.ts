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
  type JetStreamManager,
  jetstreamManager,
} from "@nats-io/jetstream";
import type { Db } from "../../../db/mod.ts";
import { LeaseTable } from "../../../db/stores/mod.ts";
import {
  type Candle,
  type MarketEvent,
  type SymbolFilters,
  type Timeframe,
  timeframeMs,
  type Trade,
} from "../../core/types.ts";
import type { BookSink, Feed, FeedSink, FeedStatus } from "../market/feed.ts";
import type { Logger } from "../log.ts";
import type { StreamLag } from "../health.ts";
import type { CatchUp } from "../supervisor.ts";
import { isAfter, isIncludedTrade, type ResumePoint } from "../resume_point.ts";
import { streamCandles, streamEvents } from "./stream_history.ts";

/** The stream of cluster `clusterId` that every node's hub reads market events from. */
export function marketStream(clusterId: string): string {
  return `MARKET_${clusterId}`;
}
/** How long events wait to be batched into one message. */
const BATCH_MS = 20;
/** Lease periods before a node hands the same symbol over again. */
const HANDOVER_CALM_LEASES = 10;
/** Most events in one message (a burst stays well under NATS's 1 MB payload limit). */
const MAX_BATCH = 1_000;
/** A catch-up reads the stream from this long before the exchange time it needs (clock skew). */
const CLOCK_MARGIN_MS = 30_000;
/** How long a catch-up waits for this node to read a symbol from the stream. */
const READING_DEADLINE_MS = 10_000;

/** What a shared feed needs. */
export interface SharedFeedOptions {
  readonly nc: NatsConnection;
  /** Prefixes the subjects and names the stream, so clusters sharing a NATS server stay apart. */
  readonly clusterId: string;
  readonly db: Db;
  readonly nodeId: string;
  readonly leaseMs: number;
  /** How long the stream keeps market events (`MARKET_RETAIN_S`). */
  readonly retentionMs: number;
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
  #jsm: JetStreamManager | undefined;
  /** The last message read of each symbol: messages left, its delay, when (Date.now()). */
  readonly #reading = new Map<string, { pending: number; lagMs: number; at: number }>();
  /** How many lease ticks each wanted symbol has been seen without a holder. */
  readonly #unheldTicks = new Map<string, number>();
  /** When this node last handed each symbol over (not again soon: one nobody takes comes back). */
  readonly #handedOver = new Map<string, number>();
  /** Histories rebuilt from the stream instead of asked of the inner feed. */
  #replayed = 0;
  /** Events replayed from the stream to restored sessions (catch-up). */
  #caughtUp = 0;
  readonly #symbols = new Set<string>();
  /** Symbols whose feed this node runs and publishes. */
  readonly #held = new Set<string>();
  readonly #consuming = new Map<string, Consuming>();
  /**
   * Per symbol read, the stream sequence of the last message whose events all
   * went to the hub: reading again (after a stop or a reconnect) goes on
   * right after it, and a session catching up replays the stream up to it.
   */
  readonly #delivered = new Map<string, number>();
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
    const jsm = this.#jsm = await jetstreamManager(this.#options.nc);
    const name = marketStream(this.#options.clusterId);
    const config = {
      subjects: [`market.${this.#options.clusterId}.>`],
      max_age: this.#options.retentionMs * 1_000_000,
    };
    // The stream outlives the nodes: a new retention applies to the existing one.
    await jsm.streams.add({ name, ...config }).catch(() => jsm.streams.update(name, config));
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
      this.#consume(symbol);
    }
  }

  unsubscribe(symbols: readonly string[]): void {
    for (const symbol of symbols) {
      this.#symbols.delete(symbol);
      this.#consuming.get(symbol)?.stop();
      this.#consuming.delete(symbol);
      this.#delivered.delete(symbol);
    }
  }

  /**
   * Closed candles from the trades the stream kept when it reaches back far
   * enough (no request to the exchange), otherwise from the inner feed.
   */
  async history(
    symbol: string,
    timeframe: Timeframe,
    limit: number,
    until = Date.now(),
  ): Promise<Candle[]> {
    const source = this.#jsm && {
      js: this.#js,
      jsm: this.#jsm,
      stream: marketStream(this.#options.clusterId),
      subject: `${this.#prefix}.${symbol}.trade`,
    };
    const replayed = source &&
      await streamCandles(source, symbol, timeframe, limit, until).catch((error) => {
        this.#options.log.warn(`market ${symbol}: replaying the stream failed: ${error}`);
        return undefined;
      });
    if (replayed) {
      this.#replayed++;
      return replayed;
    }
    return await this.#inner.history(symbol, timeframe, limit);
  }

  /**
   * What a session restored from a durable state that includes the events up
   * to `point` missed: per symbol, the stream's events after it up to the
   * last message this node's hub took (`busSeq(symbol)`, called right then,
   * gives the hub's bus batch that ends with it), and the trades of the
   * forming `timeframe` candle the state already includes. A symbol whose
   * events after `point` the stream no longer holds (retention) is a gap.
   */
  async catchUp(
    symbols: readonly string[],
    point: ResumePoint,
    timeframe: Timeframe,
    busSeq: (symbol: string) => number,
  ): Promise<CatchUp> {
    const jsm = this.#jsm;
    if (!jsm) throw new Error("the market stream is not open yet");
    const deadline = Date.now() + READING_DEADLINE_MS;
    while (symbols.some((s) => !this.#delivered.has(s))) {
      if (Date.now() > deadline) throw new Error(`${symbols.join(", ")} not read from the stream`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // The seam, taken at once: events up to `upTo` are in bus batches up to `startAfter`, later ones after.
    const startAfter: Record<string, number> = {};
    const upTo: Record<string, number> = {};
    for (const symbol of symbols) {
      startAfter[symbol] = busSeq(symbol);
      upTo[symbol] = this.#delivered.get(symbol)!;
    }
    const stream = marketStream(this.#options.clusterId);
    const { state } = await jsm.streams.info(stream);
    const first = state.messages === 0 ? Infinity : Date.parse(state.first_ts);
    const ms = timeframeMs(timeframe);
    const out: CatchUp = { replay: {}, preroll: [], until: {}, startAfter, gaps: [] };
    await Promise.all(symbols.map(async (symbol) => {
      const at = point[symbol];
      if (!at) return; // its state includes none of its events: it starts live, as a new session
      if (first > at.time) return void out.gaps.push(symbol);
      const candle = at.time - (at.time % ms);
      const source = { js: this.#js, jsm, stream, subject: `${this.#prefix}.${symbol}.>` };
      const events = await streamEvents(source, candle - CLOCK_MARGIN_MS, upTo[symbol]);
      out.until[symbol] = candle;
      out.preroll.push(...events.filter((e) => isIncludedTrade(e, at, candle)));
      out.replay[symbol] = events.filter((e) => isAfter(e, at));
    }));
    this.#caughtUp += Object.values(out.replay).reduce((n, events) => n + events.length, 0);
    return out;
  }

  filters(symbol: string): Promise<SymbolFilters | undefined> {
    return this.#inner.filters(symbol);
  }

  books(sink: BookSink): void {
    this.#inner.books?.(sink);
  }

  /** The inner feed's status, with the events read from the stream and the feeds run here. */
  status(): FeedStatus & {
    readonly ingesting: string[];
    readonly published: number;
    readonly histories_from_stream: number;
    readonly caught_up_events: number;
  } {
    return {
      ...this.#inner.status(),
      connected: this.#consuming.size === this.#symbols.size,
      last_event_at: this.#lastEventAt,
      events: this.#received,
      ingesting: [...this.#held],
      published: this.#published,
      histories_from_stream: this.#replayed,
      caught_up_events: this.#caughtUp,
    };
  }

  /** The status of the feed this node runs for the cluster; undefined when it ingests nothing. */
  ingesting(): FeedStatus | undefined {
    return this.#held.size > 0 ? this.#inner.status() : undefined;
  }

  /** How far this node's reading of the stream is behind, per symbol it reads. */
  lag(): Record<string, StreamLag> {
    const now = Date.now();
    const out: Record<string, StreamLag> = {};
    for (const symbol of this.#symbols) {
      const read = this.#reading.get(symbol);
      out[symbol] = {
        pending: read?.pending ?? 0,
        lag_ms: read ? Math.round(read.lagMs) : null,
        idle_ms: read ? now - read.at : null,
      };
    }
    return out;
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

  /**
   * Keeps the feed leases this node holds, takes its share of those nobody
   * holds, and gives one up when it holds more than its share while another
   * live node holds fewer (a node joined); starts or stops `inner` to match.
   */
  async #lease(): Promise<void> {
    if (this.#closed) return;
    const { nodeId, leaseMs } = this.#options;
    const [members, holders] = await Promise.all([
      this.#table.members(leaseMs),
      this.#table.feedHolders(),
    ]);
    const holder = new Map(holders.map((h) => [h.feed, h.node_id]));
    const load = (id: string) => holders.filter((h) => h.node_id === id).length;
    const feeds = new Set([...holder.keys(), ...[...this.#symbols].map(this.#feed, this)]);
    const share = Math.ceil(feeds.size / Math.max(1, members.length));
    let mine = this.#held.size;
    const wanted: string[] = [];
    for (const symbol of this.#symbols) {
      if (this.#held.has(symbol)) {
        wanted.push(symbol);
        continue;
      }
      if (holder.has(this.#feed(symbol))) {
        this.#unheldTicks.delete(symbol);
        continue;
      }
      // A node under its share takes a free feed at once; the others after two ticks (nobody took it).
      const ticks = (this.#unheldTicks.get(symbol) ?? 0) + 1;
      this.#unheldTicks.set(symbol, ticks);
      if (mine < share || ticks > 2) {
        wanted.push(symbol);
        mine++;
      }
    }
    const least = Math.min(...members.map((m) => m.id === nodeId ? Infinity : load(m.id)));
    if (this.#held.size > share && least < this.#held.size - 1) {
      const calm = performance.now() - HANDOVER_CALM_LEASES * leaseMs;
      const given = [...this.#held].find((s) => !((this.#handedOver.get(s) ?? -Infinity) > calm));
      if (given) await this.#handOver(given, wanted);
    }
    const asked = performance.now();
    const held = await this.#table.holdFeeds(nodeId, wanted.map(this.#feed, this), leaseMs);
    if (this.#closed) return;
    this.#heldUntil = asked + leaseMs;
    const gained = wanted.filter((s) => held.has(this.#feed(s)) && !this.#held.has(s));
    const lost = [...this.#held].filter((s) => !held.has(this.#feed(s)));
    for (const symbol of lost) this.#held.delete(symbol);
    if (lost.length > 0) {
      this.#inner.unsubscribe(lost);
      this.#options.log.warn(`market ${lost.join(", ")}: another node ingests it now`);
    }
    if (gained.length === 0) return;
    for (const symbol of gained) {
      this.#held.add(symbol);
      this.#unheldTicks.delete(symbol);
      const last = await this.#lastTrade(symbol);
      if (last) this.#inner.continueAfter?.(symbol, last);
    }
    this.#options.log.info(`market ${gained.join(", ")}: ingested by this node for the cluster`);
    if (this.#innerStarted) this.#inner.subscribe(gained);
    else {
      this.#innerStarted = true;
      await this.#inner.start(gained, (event) => this.#fromInner(event));
    }
  }

  /** Stops ingesting `symbol` and frees its lease for a node with fewer feeds. */
  async #handOver(symbol: string, wanted: string[]): Promise<void> {
    this.#handedOver.set(symbol, performance.now());
    this.#held.delete(symbol);
    this.#inner.unsubscribe([symbol]);
    this.#flush(); // what it ingested is in the stream before the next node goes on from it
    wanted.splice(wanted.indexOf(symbol), 1);
    await this.#table.releaseFeeds(this.#options.nodeId, [this.#feed(symbol)]);
    this.#options.log.info(`market ${symbol}: handed over to a node with fewer feeds`);
  }

  /** The last trade of `symbol` in the stream (a feed taken over goes on after it). */
  async #lastTrade(symbol: string): Promise<{ id: number; price: number } | undefined> {
    if (!this.#jsm) return undefined;
    const stored = await this.#jsm.streams.getMessage(marketStream(this.#options.clusterId), {
      last_by_subj: `${this.#prefix}.${symbol}.trade`,
    }).catch(() => null);
    const trades = stored ? JSON.parse(decoder.decode(stored.data)) as Trade[] : [];
    const last = trades.at(-1);
    return last && { id: last.id, price: last.price };
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
    if (batch.length >= MAX_BATCH) {
      this.#publish(subject, batch);
      this.#pending.delete(subject);
    } else this.#flushTimer ??= setTimeout(() => this.#flush(), BATCH_MS);
  }

  #flush(): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    for (const [subject, events] of this.#pending) this.#publish(subject, events);
    this.#pending.clear();
  }

  #publish(subject: string, events: MarketEvent[]): void {
    this.#published += events.length;
    this.#js.publish(subject, encoder.encode(JSON.stringify(events))).catch((error) =>
      this.#options.log.warn(`market: ${events.length} events not published: ${error}`)
    );
  }

  /**
   * Feeds the hub with `symbol`'s events from the stream, from now on; when
   * reading stops or fails, reads again after the last event delivered.
   */
  async #consume(symbol: string): Promise<void> {
    while (!this.#closed && this.#symbols.has(symbol)) {
      try {
        await this.#read(symbol);
      } catch (error) {
        this.#options.log.warn(`market ${symbol}: reading the stream failed: ${error}`);
      }
      this.#consuming.delete(symbol);
      if (this.#closed || !this.#symbols.has(symbol)) return;
      this.#options.log.warn(
        `market ${symbol}: reading the stream stopped; reading again after the last event delivered`,
      );
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }

  /**
   * Reads `symbol`'s events: the first time from the end of the stream, and
   * again after a stop right after the last message delivered (none lost).
   */
  async #read(symbol: string): Promise<void> {
    const stream = marketStream(this.#options.clusterId);
    let after = this.#delivered.get(symbol);
    if (after === undefined) {
      after = (await this.#jsm!.streams.info(stream)).state.last_seq;
      if (!this.#symbols.has(symbol)) return;
      this.#delivered.set(symbol, after);
    }
    const consumer = await this.#js.consumers.get(stream, {
      filter_subjects: `${this.#prefix}.${symbol}.>`,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: after + 1,
    });
    const messages = await consumer.consume();
    if (this.#closed || !this.#symbols.has(symbol)) return void messages.stop();
    this.#consuming.set(symbol, messages);
    for await (const message of messages) {
      const now = Date.now();
      this.#reading.set(symbol, {
        pending: message.info.pending,
        lagMs: Math.max(0, now - message.info.timestampNanos / 1e6),
        at: now,
      });
      const events = JSON.parse(decoder.decode(message.data)) as MarketEvent[];
      this.#received += events.length;
      this.#lastEventAt = Date.now();
      for (const event of events) this.#sink(event);
      this.#delivered.set(symbol, message.seq);
    }
  }
}
