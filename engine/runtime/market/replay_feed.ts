/**
 * The replay feed: plays a recording (read in batches by {@link replayBatches},
 * which validates every event, with no promise per event) in real time, N×
 * faster, or as fast as possible.
 * Dropped lines and events are counted in its status by reason. A recording
 * with books delivers them, in order with the events, to the book sink.
 */
import { basename } from "node:path";
import type { BookTop, Candle, MarketEvent, SymbolFilters, Timeframe } from "../../core/types.ts";
import type { BookSink, Feed, FeedSink, FeedStatus } from "./feed.ts";
import { StatusTracker } from "./_feed_status.ts";
import type { ReadRecordingOptions } from "./recording.ts";
import { replayBatches } from "./replay_batches.ts";

/** Options of {@link ReplayFeed}. */
export interface ReplayFeedOptions extends Omit<ReadRecordingOptions, "onDrop"> {
  /** Replay speed: 1 = real time (default), N = N× faster, "max" = as fast as possible. */
  speed?: number | "max";
  /** Wall clock in ms (default `Date.now`). */
  now?: () => number;
  /** The replay begins only once this resolves (e.g. after a session to feed has started). */
  gate?: Promise<unknown>;
}

const YIELD_EVERY = 1000;

/** Replays a recorded file. */
export class ReplayFeed implements Feed {
  readonly name = "replay" as const;
  readonly simulated = false;
  /** The recording's path. */
  readonly path: string;
  #options: ReplayFeedOptions;
  #speed: number | "max";
  #now: () => number;
  #status: StatusTracker;
  #symbols = new Set<string>();
  #position = -Infinity;
  #closed = false;
  readonly #stop = new AbortController();
  #done?: Promise<void>;
  #books?: BookSink;

  constructor(path: string, options: ReplayFeedOptions = {}) {
    const speed = options.speed ?? 1;
    if (speed !== "max" && !(speed > 0)) {
      throw new RangeError(`replay speed must be positive or "max", got ${speed}`);
    }
    this.path = path;
    this.#options = options;
    this.#speed = speed;
    this.#now = options.now ?? Date.now;
    this.#status = new StatusTracker("replay", false, this.#now);
  }

  /** Resolves when the replay has finished (or was closed). */
  get done(): Promise<void> {
    return this.#done ?? Promise.resolve();
  }

  /** Delivers the recording's books to `sink` (call before `start`). */
  books(sink: BookSink): void {
    this.#books = sink;
  }

  /** Starts replaying in the background; only the given symbols (all when empty). */
  start(symbols: readonly string[], sink: FeedSink): Promise<void> {
    this.subscribe(symbols);
    // The status is shown to users: the file's name only, never its server path.
    const name = basename(this.path);
    this.#status.connection(true, `replaying ${name}`);
    this.#done = this.#run(sink).catch((error) => {
      const message = (error as Error).message.replaceAll(this.path, name);
      this.#status.connection(false, `replay failed: ${message}`);
    });
    return Promise.resolve();
  }

  async #run(sink: FeedSink): Promise<void> {
    await this.#options.gate;
    let first: { time: number; wall: number } | undefined;
    let count = 0;
    // The events of one chunk of the file, passed on (paced) once the chunk is parsed.
    const chunk: (MarketEvent | BookTop)[] = [];
    const pass = async () => {
      for (let i = 0; i < chunk.length && !this.#closed; i++) {
        const event = chunk[i];
        if (this.#symbols.size > 0 && !this.#symbols.has(event.symbol)) continue;
        const time = event.type === "candle" ? event.closeTime : event.time;
        if (this.#speed === "max") {
          if (++count % YIELD_EVERY === 0) await sleep(0);
        } else {
          first ??= { time, wall: this.#now() };
          const wait = first.wall + (time - first.time) / this.#speed - this.#now();
          if (wait > 0) await sleep(wait);
        }
        if (this.#closed) break;
        if (event.type === "book") {
          this.#books?.(event);
          continue;
        }
        this.#position = Math.max(this.#position, time);
        this.#status.event();
        sink(event);
      }
      chunk.length = 0;
    };
    try {
      await replayBatches(this.path, (event) => chunk.push(event), {
        ...this.#options,
        onDrop: (reason) => this.#status.drop(reason),
        afterChunk: pass,
        signal: this.#stop.signal,
      });
    } catch (error) {
      if (this.#closed) return;
      throw error;
    }
    if (!this.#closed) this.#status.connection(false, "replay finished");
  }

  subscribe(symbols: readonly string[]): void {
    for (const s of symbols) this.#symbols.add(s.toUpperCase());
  }

  unsubscribe(symbols: readonly string[]): void {
    for (const s of symbols) this.#symbols.delete(s.toUpperCase());
  }

  /** Closed candles of the file that end before the replay position (none before the start). */
  async history(symbol: string, timeframe: Timeframe, limit: number): Promise<Candle[]> {
    const out: Candle[] = [];
    await replayBatches(this.path, (event) => {
      if (
        event.type === "candle" && event.symbol === symbol && event.timeframe === timeframe &&
        event.closed && event.closeTime < this.#position
      ) out.push(event);
    }, this.#options);
    return out.slice(-limit);
  }

  filters(_symbol: string): Promise<SymbolFilters | undefined> {
    return Promise.resolve(undefined);
  }

  status(): FeedStatus {
    return this.#status.snapshot();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#stop.abort();
    await this.#done;
    this.#status.connection(false, "closed");
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
