/**
 * Merging several recordings into one stream in time order. Each file is read
 * by its byte-level batch reader and validated on its own ({@link replayBatches};
 * books are left out: portfolio backtests do not read them);
 * the validated events of a chunk wait in a buffer until the merge has taken
 * them, then the reader goes on: one promise per chunk of a file, none per event.
 * Tie rule (stable, documented): equal times go in the order of the sources
 * (the order of `--data`), and each source keeps its own order.
 *
 * @module
 */
import type { MarketEvent } from "../../core/types.ts";
import { replayBatches, type ReplayBatchesOptions } from "../market/replay_batches.ts";

/** One recording to merge and how to read it. */
export interface MergeSource {
  readonly path: string;
  readonly options: Omit<
    ReplayBatchesOptions,
    "afterChunk" | "signal" | "reuseTrades" | "onTrades"
  >;
}

/** The validated events of one file, a chunk at a time. */
class SourceBuffer {
  readonly events: MarketEvent[] = [];
  head = 0;
  done = false;
  error: unknown = undefined;
  /** Wakes the merge waiting for this source. */
  #wake: (() => void) | undefined;
  /** Lets the reader go on once the merge has taken the buffered events. */
  #drained: (() => void) | undefined;

  /** The reader's pause after a chunk: waits while the chunk's events are unmerged. */
  readonly afterChunk = (): Promise<void> | undefined => {
    if (this.head >= this.events.length) return undefined;
    this.#wake?.();
    return new Promise((resolve) => this.#drained = resolve);
  };

  /** The reader stopped (at the end of the file or with an error). */
  finish(error?: unknown): void {
    this.done = true;
    this.error = error;
    this.#wake?.();
  }

  /** Waits until an event is buffered or the file is done; rethrows the reader's error. */
  async fill(): Promise<void> {
    while (this.head >= this.events.length && !this.done) {
      this.events.length = 0;
      this.head = 0;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        this.release();
      });
    }
    if (this.error !== undefined) throw this.error;
  }

  /** Lets a paused reader go on. */
  release(): void {
    const drained = this.#drained;
    this.#drained = undefined;
    drained?.();
  }
}

/**
 * Passes the valid events of all `sources` to `onEvent` by ascending
 * `timeOf`, ties by source index; stops (rejecting with the signal's reason)
 * when `signal` aborts.
 */
export async function mergeByTime(
  sources: readonly MergeSource[],
  timeOf: (event: MarketEvent, source: number) => number,
  onEvent: (event: MarketEvent, source: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  const stop = new AbortController();
  const readers = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  const buffers = sources.map(() => new SourceBuffer());
  const reading = sources.map(({ path, options }, i) => {
    const buffer = buffers[i];
    return replayBatches(path, (event) => {
      if (event.type !== "book") buffer.events.push(event);
    }, {
      ...options,
      afterChunk: buffer.afterChunk,
      signal: readers,
    }).then(() => buffer.finish(), (error) => buffer.finish(error ?? new Error("read failed")));
  });
  try {
    await Promise.all(buffers.map((b) => b.fill()));
    const times = buffers.map((b, i) =>
      b.head < b.events.length ? timeOf(b.events[b.head], i) : Infinity
    );
    while (true) {
      let pick = -1;
      for (let i = 0; i < times.length; i++) {
        if (times[i] < Infinity && (pick < 0 || times[i] < times[pick])) pick = i;
      }
      if (pick < 0) break;
      const buffer = buffers[pick];
      onEvent(buffer.events[buffer.head++], pick);
      if (buffer.head >= buffer.events.length) {
        signal?.throwIfAborted();
        await buffer.fill();
      }
      times[pick] = buffer.head < buffer.events.length
        ? timeOf(buffer.events[buffer.head], pick)
        : Infinity;
    }
  } finally {
    stop.abort();
    for (const buffer of buffers) buffer.release();
    await Promise.all(reading);
  }
}
