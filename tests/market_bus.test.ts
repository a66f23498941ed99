import assert from "node:assert/strict";
import { MarketHub } from "../engine/runtime/market/hub.ts";
import { SimFeed } from "../engine/runtime/market/sim_feed.ts";
import { BusSubscriber } from "../engine/runtime/market/bus_subscriber.ts";
import { type BusBatch, busChannelName } from "../engine/runtime/market/bus.ts";
import type { MarketEvent, Trade } from "../engine/core/types.ts";
import { BusWorkerPool } from "./support/bus_pool.ts";

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
  const hub = new MarketHub(new SimFeed(), { batchMax, warmup: false });
  const symbols = ["BTCUSDT", "ETHUSDT"];
  const pool = await BusWorkerPool.create(hub, workers, symbols);
  try {
    for (let i = 1; i <= trades; i++) hub.ingest(trade(symbols[i % 2], Math.ceil(i / 2)));
    hub.flush();
    await pool.expect(trades);
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
