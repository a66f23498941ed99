import { packBatch, unpackBatch } from "../engine/runtime/market/bus_codec.ts";
import assert from "node:assert/strict";
import { MarketHub } from "../engine/runtime/market/hub.ts";
import { SimFeed } from "../engine/runtime/market/sim_feed.ts";
import { BusSubscriber } from "../engine/runtime/market/bus_subscriber.ts";
import { type BusBatch, busChannelName } from "../engine/runtime/market/bus.ts";
import type { MarketEvent, Trade } from "../engine/core/types.ts";
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

async function burst(workers: number, trades: number, batchMax: number) {
  const namespace = crypto.randomUUID();
  const hub = new MarketHub(new SimFeed(), { batchMax, warmup: false, namespace });
  const symbols = ["BTCUSDT", "ETHUSDT"];
  const pool = await BusWorkerPool.create(hub, workers, symbols, namespace);
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

Deno.test("bus: single-event batches (which BroadcastChannel drops) are recovered from the hub", async () => {
  const reports = await burst(4, 5_000, 1);
  for (const r of reports) {
    assert.equal(r.received, 5_000);
    assert.equal(r.inOrder, true);
    assert.equal(r.stats.unrecoverable, 0);
  }
});

Deno.test("bus subscriber: holds batches behind a gap, recovers in order, reports unrecoverable gaps", async () => {
  const namespace = crypto.randomUUID();
  const channel = new BroadcastChannel(busChannelName("TESTUSDT", namespace));
  const got: number[] = [];
  const requests: [number, number][] = [];
  const lost: [number, number][] = [];
  const sub = new BusSubscriber({
    symbols: ["TESTUSDT"],
    namespace,
    startAfter: { TESTUSDT: 0 },
    onEvents: (events) => got.push(...events.map((e) => (e as Trade).id)),
    requestRecovery: (_s, from, to) => requests.push([from, to]),
    onUnrecoverable: (_s, from, to) => lost.push([from, to]),
  });
  const batch = (seq: number): BusBatch => ({
    symbol: "TESTUSDT",
    seq,
    events: [trade("TESTUSDT", seq)],
  });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 50));
  try {
    channel.postMessage(packBatch(batch(1)));
    channel.postMessage(packBatch(batch(3)));
    channel.postMessage(packBatch(batch(4)));
    await settle();
    assert.deepEqual(got, [1]);
    assert.deepEqual(requests, [[2, 2]]);
    sub.deliverRecovered("TESTUSDT", [batch(2)]);
    assert.deepEqual(got, [1, 2, 3, 4]);
    // A lost trailing batch is revealed by the heartbeat.
    channel.postMessage({ symbol: "TESTUSDT", seq: 6, heartbeat: true });
    await settle();
    assert.deepEqual(requests.at(-1), [5, 6]);
    sub.deliverRecovered("TESTUSDT", null);
    assert.deepEqual(lost, [[5, 6]]);
    channel.postMessage(packBatch(batch(7)));
    channel.postMessage(packBatch(batch(7)));
    await settle();
    assert.deepEqual(got, [1, 2, 3, 4, 7]);
    assert.deepEqual(sub.stats, { delivered: 5, gaps: 2, recovered: 1, unrecoverable: 1 });
  } finally {
    sub.close();
    channel.close();
  }
});

Deno.test("hub: recover serves retained batches only; listeners get topics", async () => {
  const hub = new MarketHub(new SimFeed(), {
    batchMax: 2,
    retainBatches: 3,
    warmup: false,
    namespace: crypto.randomUUID(),
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

Deno.test("bus codec: packed batches restore every event exactly, in order", () => {
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
  const batch: BusBatch = { symbol: "BTCUSDT", seq: 42, events };
  const packed = packBatch(batch);
  assert.ok(packed.rows instanceof Float64Array);
  assert.deepEqual(unpackBatch(structuredClone(packed)), batch);
});
