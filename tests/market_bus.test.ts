import {
  BusRingReader,
  type BusRingSize,
  BusRingWriter,
  createBusRing,
} from "../engine/runtime/market/bus_ring.ts";
import assert from "node:assert/strict";
import { MarketHub } from "../engine/runtime/market/hub.ts";
import { SimFeed } from "../engine/runtime/market/sim_feed.ts";
import {
  BusSubscriber,
  type BusSubscriberOptions,
} from "../engine/runtime/market/bus_subscriber.ts";
import type { BusEvent } from "../engine/runtime/market/bus.ts";
import type { BookTop, MarketEvent, Trade } from "../engine/core/types.ts";
import { BusWorkerPool } from "../fixtures/bus_pool.ts";

function trade(symbol: string, id: number): Trade {
  return {
    type: "trade",
    symbol,
    id,
    price: 100 + (id % 7),
    qty: 1,
    time: 1_700_000_000_000 + id,
    buyerMaker: false,
  };
}

async function burst(workers: number, trades: number, batchMax: number, ring?: BusRingSize) {
  const hub = new MarketHub(new SimFeed(), { batchMax, warmup: false, ring });
  const symbols = ["BTCUSDT", "ETHUSDT"];
  const pool = await BusWorkerPool.create(hub, workers, symbols);
  try {
    for (let i = 1; i <= trades; i++) hub.ingest(trade(symbols[i % 2], Math.ceil(i / 2)));
    hub.flush();
    await pool.expect(trades, 120_000);
    return await pool.reports();
  } finally {
    pool.close();
    await hub.close();
  }
}

Deno.test("bus: 50 workers receive a 100,000-trade burst exactly once and in order", async () => {
  const reports = await burst(50, 100_000, 500);
  for (const r of reports) {
    assert.equal(r.received, 100_000);
    assert.equal(r.inOrder, true);
    assert.equal(r.stats.unrecoverable, 0);
  }
});

Deno.test("bus: 8 workers reading through a ring far smaller than the burst still receive all 20,000 trades in order (overruns recovered, counted)", async () => {
  const reports = await burst(8, 20_000, 50, { slots: 16, capacity: 2_000 });
  for (const r of reports) {
    assert.equal(r.received, 20_000);
    assert.equal(r.inOrder, true);
    assert.equal(r.stats.unrecoverable, 0);
    assert.equal(r.stats.recovered > 0, r.stats.overruns > 0, JSON.stringify(r.stats));
  }
  assert.ok(
    reports.some((r) => r.stats.overruns > 0),
    `a burst 40× the ring overruns some reader: ${JSON.stringify(reports.map((r) => r.stats))}`,
  );
});

Deno.test("bus: 5,000 single-event batches reach every worker exactly once and in order", async () => {
  const reports = await burst(4, 5_000, 1);
  for (const r of reports) {
    assert.equal(r.received, 5_000);
    assert.equal(r.inOrder, true);
    assert.equal(r.stats.unrecoverable, 0);
  }
});

/** A subscriber in this thread on `hub`'s symbol, recovering from it; what it delivered. */
function subscribe(hub: MarketHub, symbol: string, options: Partial<BusSubscriberOptions> = {}) {
  const got: number[] = [];
  const kinds: string[] = [];
  const seqs: number[] = [];
  const lost: [number, number][] = [];
  let drained = 0;
  const sub: BusSubscriber = new BusSubscriber({
    symbols: [symbol],
    rings: { [symbol]: hub.ring(symbol) },
    startAfter: { [symbol]: hub.lastSeq(symbol) },
    onEvents: (events, seq) => {
      seqs.push(seq);
      for (const e of events) got.push((e as Trade).id), kinds.push(e.type);
    },
    onDrained: () => drained++,
    requestRecovery: (s, from, to) =>
      queueMicrotask(() => sub.deliverRecovered(s, hub.recover(s, from, to))),
    onUnrecoverable: (_s, from, to) => lost.push([from, to]),
    ...options,
  });
  return { sub, got, kinds, seqs, lost, drained: () => drained };
}

/** Polls until `check` holds; fails naming `what` after `timeoutMs`. */
async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

Deno.test("bus ring: a reader that fell more than the ring behind detects the overrun and recovers every batch from the hub, in order, counted", async () => {
  // 8 slots and room for 10 trades: 40 batches published at once overrun it, and a 12-trade batch never fits.
  const hub = new MarketHub(new SimFeed(), {
    batchMax: 4,
    warmup: false,
    ring: { slots: 8, capacity: 60 },
  });
  const reader = subscribe(hub, "TESTUSDT");
  try {
    for (let id = 1; id <= 160; id++) hub.ingest(trade("TESTUSDT", id));
    await until(() => reader.got.length === 160, "the reader to receive 160 trades");
    assert.deepEqual(
      reader.got,
      Array.from({ length: 160 }, (_, i) => i + 1),
      "every trade in order",
    );
    assert.deepEqual(reader.seqs, Array.from({ length: 40 }, (_, i) => i + 1), "every batch once");
    assert.ok(reader.sub.stats.overruns >= 1, `overruns: ${JSON.stringify(reader.sub.stats)}`);
    assert.ok(reader.sub.stats.recovered >= 32, `recovered: ${JSON.stringify(reader.sub.stats)}`);
    assert.deepEqual(reader.lost, []);

    // A batch larger than the whole ring (a 20-level book: 85 numbers) is recovered from the hub too.
    const levels = (from: number, step: number) =>
      Array.from({ length: 20 }, (_, i): [number, number] => [from + i * step, 1]);
    hub.ingestBook({
      type: "book",
      symbol: "TESTUSDT",
      updateId: 1,
      time: 1_700_000_000_000,
      bids: levels(99, -0.01),
      asks: levels(101, 0.01),
    });
    hub.flush();
    hub.ingest(trade("TESTUSDT", 161));
    hub.flush();
    await until(
      () => reader.got.length === 162,
      "the reader to receive the book and the next trade",
    );
    assert.equal(reader.kinds.at(-2), "book");
    assert.equal(reader.got.at(-1), 161);
    assert.equal(reader.sub.stats.unrecoverable, 0);
  } finally {
    reader.sub.close();
    await hub.close();
  }
});

Deno.test("bus ring: batches the hub no longer retains either are a reported gap, and reading goes on after it", async () => {
  const hub = new MarketHub(new SimFeed(), {
    batchMax: 1,
    retainBatches: 3,
    warmup: false,
    ring: { slots: 4, capacity: 600 },
  });
  const reader = subscribe(hub, "TESTUSDT");
  try {
    for (let id = 1; id <= 20; id++) hub.ingest(trade("TESTUSDT", id));
    await until(() => reader.lost.length > 0, "the reader to report the lost batches");
    for (let id = 21; id <= 22; id++) hub.ingest(trade("TESTUSDT", id));
    await until(() => reader.got.at(-1) === 22, "the reader to deliver the batches after the gap");
    assert.equal(reader.sub.stats.unrecoverable, 1);
    const [[from, to]] = reader.lost;
    assert.equal(from, 1, "the gap starts at the first batch not delivered");
    assert.deepEqual(
      reader.got,
      Array.from({ length: 22 - to }, (_, i) => to + 1 + i),
      "after it, in order",
    );
  } finally {
    reader.sub.close();
    await hub.close();
  }
});

Deno.test("bus ring: a reader keeping up reads each batch from shared memory, woken without messages, and handles what is there at once together", async () => {
  const hub = new MarketHub(new SimFeed(), { warmup: false, heartbeatMs: 60_000 });
  const reader = subscribe(hub, "TESTUSDT");
  try {
    for (let round = 0; round < 50; round++) {
      hub.ingest(trade("TESTUSDT", round + 1));
      hub.flush();
      await until(() => reader.got.length === round + 1, `trade ${round + 1} to arrive`);
    }
    // Five batches published in one turn are delivered in one run.
    const before = reader.drained();
    for (let id = 51; id <= 55; id++) {
      hub.ingest(trade("TESTUSDT", id));
      hub.flush();
    }
    await until(() => reader.got.length === 55, "the five batches to arrive");
    assert.equal(reader.drained() - before, 1, "one drained call for the five batches");
    assert.deepEqual(reader.sub.stats, {
      delivered: 55,
      gaps: 0,
      recovered: 0,
      unrecoverable: 0,
      overruns: 0,
    });
  } finally {
    reader.sub.close();
    await hub.close();
  }
});

Deno.test("bus ring: a reader reports the hub down once its heartbeat in the ring stops (hub closed)", async () => {
  const hub = new MarketHub(new SimFeed(), { warmup: false, heartbeatMs: 50 });
  const down: string[] = [];
  const reader = subscribe(hub, "TESTUSDT", {
    hubTimeoutMs: 1_000,
    onHubDown: (symbol) => down.push(symbol),
  });
  try {
    hub.ingest(trade("TESTUSDT", 1));
    await until(() => reader.got.length === 1, "the trade to arrive");
    await hub.close();
    await until(() => down.length > 0, "the reader to report the closed hub as down");
    assert.deepEqual(down, ["TESTUSDT"], "reported once");
  } finally {
    reader.sub.close();
    await hub.close();
  }
});

Deno.test("bus ring: a heartbeat counter standing still means hub down, moving again means hub up", async () => {
  const buffer = createBusRing({ slots: 4, capacity: 100 });
  const writer = new BusRingWriter(buffer);
  const heard: string[] = [];
  const sub = new BusSubscriber({
    symbols: ["BTCUSDT"],
    rings: { BTCUSDT: buffer },
    onEvents: () => {},
    requestRecovery: () => {},
    hubTimeoutMs: 300,
    onHubDown: (symbol, silentMs) => {
      assert.ok(silentMs >= 300, `silent for ${silentMs} ms`);
      heard.push(`down ${symbol}`);
    },
    onHubUp: (symbol) => heard.push(`up ${symbol}`),
  });
  try {
    await until(() => heard.length === 1, "the silent hub to be reported down");
    writer.beat();
    await until(() => heard.length === 2, "the beating hub to be reported up");
    assert.deepEqual(heard, ["down BTCUSDT", "up BTCUSDT"]);
  } finally {
    sub.close();
  }
});

Deno.test("hub: recover serves retained batches only; listeners get topics", async () => {
  const hub = new MarketHub(new SimFeed(), {
    batchMax: 2,
    retainBatches: 3,
    warmup: false,
  });
  const seen: Record<string, MarketEvent[]> = { ticker: [], trades: [], market_data: [] };
  for (const topic of Object.keys(seen)) {
    hub.listen(`${topic}:AAAUSDT`, (e) => seen[topic].push(...e));
  }
  try {
    for (let id = 1; id <= 10; id++) hub.ingest(trade("AAAUSDT", id));
    assert.equal(hub.lastSeq("AAAUSDT"), 5);
    assert.equal(hub.recover("AAAUSDT", 2, 5), null);
    assert.deepEqual(hub.recover("AAAUSDT", 3, 5)!.map((b) => b.seq), [3, 4, 5]);
    assert.deepEqual(hub.recover("AAAUSDT", 5, 5)![0].events.map((e) => (e as Trade).id), [9, 10]);
    assert.equal(seen.trades.length, 10);
    assert.equal(seen.ticker.length, 10);
    assert.ok(seen.market_data.every((e) => e.type === "candle"));
    const health = hub.health();
    assert.equal(health.batches_published, 5);
    assert.equal(health.events, 10);
    assert.equal(hub.cache.ticker("AAAUSDT")?.price, 100 + (10 % 7));
  } finally {
    await hub.close();
  }
});

Deno.test("hub: a batch that goes at once counts as flushed only at the end of the turn, after every ring's batches of that turn", async () => {
  const hub = new MarketHub(new SimFeed(), { batchMax: 2, warmup: false });
  const [a, b] = ["AAAUSDT", "BBBUSDT"].map((s) => new BusRingReader(hub.ring(s), s));
  try {
    hub.ingest(trade("BBBUSDT", 1));
    hub.ingest(trade("AAAUSDT", 2));
    hub.ingest(trade("AAAUSDT", 3));
    assert.equal(a.published(), 1, "AAA's full batch goes at once");
    assert.equal(a.flushed(), 0, "its flush is not complete: BBB's trade is not published yet");
    assert.equal(b.published(), 0);
    await Promise.resolve(); // the end of the hub's turn
    assert.deepEqual([a.flushed(), b.published(), b.flushed()], [1, 1, 1]);

    hub.ingest(trade("AAAUSDT", 4));
    hub.ingest(trade("AAAUSDT", 5));
    assert.deepEqual([a.published(), a.flushed()], [2, 1]);
    await until(() => a.flushed() === 2, "the hub to flush AAA's second batch");
    assert.equal(b.flushed(), 1, "a ring with nothing new keeps its flushed batch");
  } finally {
    await hub.close();
  }
  // A batch full with its first event (nothing else pending) is flushed at the end of the turn too.
  const single = new MarketHub(new SimFeed(), { batchMax: 1, warmup: false });
  const ring = new BusRingReader(single.ring("AAAUSDT"), "AAAUSDT");
  try {
    single.ingest(trade("AAAUSDT", 1));
    assert.deepEqual([ring.published(), ring.flushed()], [1, 0]);
    await until(() => ring.flushed() === 1, "the hub to flush a one-event batch");
  } finally {
    await single.close();
  }
});

Deno.test("bus ring: every kind of event reads back exactly, in order, also where the ring wraps", () => {
  const events: MarketEvent[] = [
    {
      type: "trade",
      symbol: "BTCUSDT",
      id: 7,
      price: 60_000.12,
      qty: 0.00123,
      time: 1_700_000_000_001,
      buyerMaker: true,
    },
    {
      type: "quote",
      symbol: "BTCUSDT",
      updateId: 9,
      bid: 60_000.1,
      bidQty: 1.5,
      ask: 60_000.2,
      askQty: 2,
      time: 1_700_000_000_002,
    },
    {
      type: "candle",
      symbol: "BTCUSDT",
      timeframe: "1m",
      openTime: 1_700_000_000_000,
      closeTime: 1_700_000_059_999,
      open: 1,
      high: 2,
      low: 0.5,
      close: 1.5,
      volume: 10,
      closed: true,
    },
    {
      type: "trade",
      symbol: "BTCUSDT",
      id: 8,
      price: 59_999.99,
      qty: 3,
      time: 1_700_000_000_003,
      buyerMaker: false,
    },
  ];
  const book: BookTop = {
    type: "book",
    symbol: "BTCUSDT",
    updateId: 11,
    time: 1_700_000_000_004,
    bids: [[59_999, 1], [59_998, 2.5]],
    asks: [[60_001, 0.25]],
  };
  const all: BusEvent[] = [...events, book];
  const buffer = createBusRing({ slots: 4, capacity: 100 });
  const writer = new BusRingWriter(buffer);
  const reader = new BusRingReader(buffer, "BTCUSDT");
  // 46 numbers a batch: the third one wraps around the end of the ring.
  for (let seq = 1; seq <= 9; seq++) {
    writer.write(seq, all);
    assert.equal(reader.published(), seq);
    assert.deepEqual(reader.read(seq), all, `batch ${seq} reads back`);
    if (seq >= 3) assert.equal(reader.read(seq - 2), undefined, `batch ${seq - 2} was overwritten`);
  }
  assert.equal(reader.read(10), undefined, "a batch not yet written");
});
