/**
 * Reads a recording (stream JSONL or a CSV dump, optionally gzipped, streamed)
 * through its byte-level batch parser: large chunks, one promise per chunk,
 * never one per event.
 *
 * @module
 */
import { CsvBatchParser } from "./csv_batches.ts";
import { JsonlBatchParser } from "./jsonl_batches.ts";
import type { LineBatchParser } from "./line_batches.ts";
import type { ReadRecordingOptions } from "./recording.ts";
import type { BatchSink } from "./trade_batch.ts";

/** Chunk size of plain-file reads. */
const CHUNK = 4 << 20;

/** Options of {@link readBatches}. */
export interface ReadBatchesOptions
  extends Pick<ReadRecordingOptions, "symbol" | "timeframe" | "onBytes"> {
  /** Stops the reading between chunks (the promise rejects with the signal's reason). */
  readonly signal?: AbortSignal;
  /** Awaited after each chunk has reached the sink (lets a consumer pace or yield). */
  readonly afterChunk?: () => unknown;
}

/** The batch parser for a recording, by its file name (`.csv[.gz]`: a CSV dump, else JSONL). */
export function batchParser(
  path: string,
  sink: BatchSink,
  options: Pick<ReadRecordingOptions, "symbol" | "timeframe"> = {},
): LineBatchParser {
  const name = path.split(/[\\/]/).pop() ?? path;
  return /\.csv(\.gz)?$/i.test(name)
    ? new CsvBatchParser(name, sink, options)
    : new JsonlBatchParser(sink);
}

/** Reads a (possibly gzipped) recording into `sink`; `onBytes` hears the file bytes read so far. */
export async function readBatches(
  path: string,
  sink: BatchSink,
  options: ReadBatchesOptions = {},
): Promise<void> {
  const parser = batchParser(path, sink, options);
  const file = await Deno.open(path, { read: true });
  let read = 0;
  if (/\.gz$/i.test(path)) {
    // The stream closes the file when it ends or fails.
    const counted = file.readable.pipeThrough(
      new TransformStream<Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>>({
        transform(chunk, controller) {
          options.onBytes?.(read += chunk.byteLength);
          controller.enqueue(chunk);
        },
      }),
    );
    for await (const chunk of counted.pipeThrough(new DecompressionStream("gzip"))) {
      options.signal?.throwIfAborted();
      parser.push(chunk);
      await options.afterChunk?.();
    }
  } else {
    try {
      const buffer = new Uint8Array(CHUNK);
      for (let n = await file.read(buffer); n !== null; n = await file.read(buffer)) {
        options.signal?.throwIfAborted();
        options.onBytes?.(read += n);
        parser.push(buffer.subarray(0, n));
        await options.afterChunk?.();
      }
    } finally {
      file.close();
    }
  }
  parser.end();
  await options.afterChunk?.();
}
