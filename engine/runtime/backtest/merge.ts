/**
 * Merging the event streams of several recordings into one, in time order.
 * Tie rule (stable, documented): equal times go in the order of the sources
 * (the order of `--data`), and each source keeps its own order.
 *
 * @module
 */

/** A merged event with the index of the source it came from. */
export interface Sourced<T> {
  readonly event: T;
  readonly source: number;
}

/** Yields the events of all `sources` by ascending `timeOf`, ties by source index. */
export async function* mergeByTime<T>(
  sources: readonly AsyncIterable<T>[],
  timeOf: (event: T, source: number) => number,
): AsyncIterable<Sourced<T>> {
  const iterators = sources.map((s) => s[Symbol.asyncIterator]());
  const heads: (T | undefined)[] = [];
  const times: number[] = [];
  const advance = async (i: number) => {
    const next = await iterators[i].next();
    heads[i] = next.done ? undefined : next.value;
    times[i] = next.done ? Infinity : timeOf(next.value, i);
  };
  await Promise.all(iterators.map((_, i) => advance(i)));
  while (true) {
    let pick = -1;
    for (let i = 0; i < heads.length; i++) {
      if (heads[i] !== undefined && (pick < 0 || times[i] < times[pick])) pick = i;
    }
    if (pick < 0) return;
    yield { event: heads[pick] as T, source: pick };
    await advance(pick);
  }
}
