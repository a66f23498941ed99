import assert from "node:assert/strict";
import { MarketHub } from "../engine/runtime/market/hub.ts";
import { SimFeed } from "../engine/runtime/market/sim_feed.ts";
import { BusReader } from "../engine/runtime/market/bus_reader.ts";
import { BusSubscriber } from "../engine/runtime/market/bus_subscriber.ts";
import type { Trade } from "../engine/core/types.ts";
import { tradeOf } from "./support/trades.ts";
import { until } from "./support/wait.ts";

const SYMBOL = "TESTUSDT";
/** A liveness bound for every wait (generous for a loaded machine). */
const DEADLINE_MS = 30_000;

function trade(id: number): Trade {
  return tradeOf({ symbol: SYMBOL, id, price: 100 + (id % 7), time: 1_700_000_000_000 + id });
}

/** Publishes trades `from`..`to`, one batch each. */
function publish(hub: MarketHub, from: number, to: number): void {
  for (let id = from; id <= to; id++) {
    hub.ingest(trade(id));
    hub.flush();
  }
}

/** A subscriber on `reader` starting after batch `startAfter` (after the newest when undefined); the batch seqs it got. */
function tap(
  hub: MarketHub,
  reader: BusReader,
  startAfter: number | undefined,
  onBatch: (sub: BusSubscriber, seq: number) => void = () => {},
) {
  const seqs: number[] = [];
  const ids: number[] = [];
  const lost: [number, number][] = [];
  const sub: BusSubscriber = new BusSubscriber({
    symbols: [SYMBOL],
    rings: { [SYMBOL]: hub.ring(SYMBOL) },
    ...(startAfter === undefined ? {} : { startAfter: { [SYMBOL]: startAfter } }),
    reader,
    onEvents: (events, seq) => {
      seqs.push(seq);
      for (const e of events) ids.push((e as Trade).id);
      onBatch(sub, seq);
    },
    requestRecovery: (s, from, to) =>
      queueMicrotask(() => sub.deliverRecovered(s, hub.recover(s, from, to))),
    onUnrecoverable: (_s, from, to) => lost.push([from, to]),
  });
  return { sub, seqs, ids, lost };
}

/** The seqs `from`..`to`. */
function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

Deno.test("shared bus reader: subscribers starting at different points each get exactly their batches, in order, once; each batch is decoded once", async () => {
  const hub = new MarketHub(new SimFeed(), { batchMax: 1, warmup: false });
  const reader = new BusReader();
  publish(hub, 1, 30);
  const starts = [0, 10, 20, 30, undefined];
  const taps = starts.map((start) => tap(hub, reader, start));
  try {
    await until(
      () => taps[0].seqs.length === 30,
      "the subscriber from the start to catch up",
      DEADLINE_MS,
    );
    publish(hub, 31, 40);
    await until(
      () => taps.every((t) => t.seqs.at(-1) === 40),
      "every subscriber to reach batch 40",
      DEADLINE_MS,
    );
    starts.forEach((start, i) => {
      assert.deepEqual(taps[i].seqs, range((start ?? 30) + 1, 40), `subscriber after ${start}`);
      assert.deepEqual(taps[i].ids, range((start ?? 30) + 1, 40), `its trades, after ${start}`);
    });
    assert.equal(reader.stats.batches, 40, "40 batches read and decoded, each once for all five");
  } finally {
    for (const t of taps) t.sub.close();
    await hub.close();
  }
});

Deno.test("shared bus reader: a subscriber whose batches were overwritten recovers them alone while its neighbour reads on", async () => {
  // 8 slots: of 30 batches the ring holds the last 8 only.
  const hub = new MarketHub(new SimFeed(), {
    batchMax: 1,
    warmup: false,
    ring: { slots: 8, capacity: 600 },
  });
  const reader = new BusReader();
  publish(hub, 1, 30);
  const behind = tap(hub, reader, 0);
  const current = tap(hub, reader, 28);
  try {
    await until(
      () => behind.seqs.at(-1) === 30,
      "the subscriber behind to recover and catch up",
      DEADLINE_MS,
    );
    publish(hub, 31, 35);
    await until(
      () => behind.seqs.at(-1) === 35 && current.seqs.at(-1) === 35,
      "both subscribers to reach batch 35",
      DEADLINE_MS,
    );
    assert.deepEqual(behind.seqs, range(1, 35), "the one behind: every batch, in order, once");
    assert.deepEqual(current.seqs, range(29, 35), "its neighbour: exactly its own batches");
    assert.ok(behind.sub.stats.overruns >= 1, JSON.stringify(behind.sub.stats));
    assert.ok(behind.sub.stats.recovered >= 22, JSON.stringify(behind.sub.stats));
    assert.equal(current.sub.stats.overruns, 0, "the neighbour never missed a batch");
    assert.deepEqual([behind.lost, current.lost], [[], []]);
  } finally {
    behind.sub.close();
    current.sub.close();
    await hub.close();
  }
});

Deno.test("shared bus reader: a subscriber that leaves while a batch is handed out (a crashed session) leaves its neighbours reading", async () => {
  const hub = new MarketHub(new SimFeed(), { batchMax: 1, warmup: false });
  const reader = new BusReader();
  const first = tap(hub, reader, 0);
  const leaving = tap(hub, reader, 0, (sub, seq) => seq === 3 && sub.close());
  const last = tap(hub, reader, 0);
  try {
    publish(hub, 1, 10);
    await until(
      () => first.seqs.at(-1) === 10 && last.seqs.at(-1) === 10,
      "the neighbours to reach batch 10",
      DEADLINE_MS,
    );
    assert.deepEqual(leaving.seqs, [1, 2, 3], "nothing after it left");
    assert.deepEqual(first.seqs, range(1, 10));
    assert.deepEqual(last.seqs, range(1, 10));
  } finally {
    first.sub.close();
    last.sub.close();
    await hub.close();
  }
});
