/**
 * Records a feed's raw stream (Binance combined-stream envelopes, one per
 * line) to a file, gzip-compressed when the name ends in `.gz`. With the
 * `depth` option the books are recorded too: every depth diff as received,
 * and after each (re)sync the whole book as a partial-depth envelope with the
 * `E` the exchange omits.
 */
import { createFeed, type CreateFeedOptions } from "./create_feed.ts";

/** Options of {@link record}. */
export interface RecordOptions extends Omit<CreateFeedOptions, "onRaw"> {
  /** Feed spec (default `sim`). */
  feed?: string;
  /** Stop after this many ms (default: until `signal` aborts). */
  durationMs?: number;
  /** Stops the recording. */
  signal?: AbortSignal;
  /** Hears the running line count about once a second. */
  onProgress?: (lines: number) => void;
}

/** Records until the duration passes or the signal aborts; resolves with the line count. */
export async function record(
  symbols: readonly string[],
  out: string,
  options: RecordOptions = {},
): Promise<number> {
  const file = await Deno.open(out, { write: true, create: true, truncate: true });
  const encoder = new TextEncoderStream();
  const piped = out.endsWith(".gz")
    ? encoder.readable.pipeThrough(new CompressionStream("gzip")).pipeTo(file.writable)
    : encoder.readable.pipeTo(file.writable);
  const writer = encoder.writable.getWriter();
  let lines = 0;
  let buffer: string[] = [];
  let failure: unknown;
  const write = () => {
    if (buffer.length === 0) return;
    writer.write(buffer.join("")).catch((error) => failure ??= error);
    buffer = [];
  };
  const feed = await createFeed(options.feed ?? "sim", {
    ...options,
    onRaw: (text) => {
      buffer.push(text + "\n");
      lines++;
    },
  });
  // With `depth`, the feed writes book diffs and syncs only while it follows the books.
  feed.books?.(() => {});
  await feed.start(symbols, () => {});
  await new Promise<void>((resolve) => {
    const progress = setInterval(() => {
      write();
      options.onProgress?.(lines);
    }, 1000);
    const stop = () => {
      clearInterval(progress);
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", stop);
      resolve();
    };
    const timer = options.durationMs === undefined
      ? undefined
      : setTimeout(stop, options.durationMs);
    if (options.signal?.aborted) stop();
    options.signal?.addEventListener("abort", stop);
  });
  await feed.close();
  write();
  await writer.close();
  await piped;
  if (failure) throw failure;
  return lines;
}
