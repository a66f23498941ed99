/**
 * Reading one recording both ways: the line-by-line `readRecording` and the
 * batch `replayBatches`, for tests that compare the two.
 */
import type { BookTop, MarketEvent } from "../../engine/core/types.ts";
import { readRecording } from "../../engine/runtime/market/recording.ts";
import { replayBatches } from "../../engine/runtime/market/replay_batches.ts";

/** Writes `text` to `path`, gzipped when asked; returns the bytes written. */
export async function writeRecording(
  path: string,
  text: string,
  gzip: boolean,
): Promise<Uint8Array> {
  let bytes: Uint8Array<ArrayBuffer> = new TextEncoder().encode(text);
  if (gzip) {
    bytes = new Uint8Array(
      await new Response(new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip")))
        .arrayBuffer(),
    );
  }
  await Deno.writeFile(path, bytes);
  return bytes;
}

/** What each reader gave for one file: events, drop reasons, and the bytes the batch reader reported. */
export interface BothReadings {
  expected: (MarketEvent | BookTop)[];
  expectedDrops: string[];
  events: (MarketEvent | BookTop)[];
  drops: string[];
  read: number;
}

/** Reads `path` with the line reader (expected) and the batch reader. */
export async function readBothWays(path: string): Promise<BothReadings> {
  const expected: (MarketEvent | BookTop)[] = [];
  const expectedDrops: string[] = [];
  for await (const e of readRecording(path, { onDrop: (r) => expectedDrops.push(r) })) {
    expected.push(e);
  }
  const events: (MarketEvent | BookTop)[] = [];
  const drops: string[] = [];
  let read = 0;
  await replayBatches(path, (e) => events.push(e), {
    onDrop: (r) => drops.push(r),
    onBytes: (n) => read = n,
  });
  return { expected, expectedDrops, events, drops, read };
}
