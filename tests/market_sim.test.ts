import assert from "node:assert/strict";
import { SimFeed } from "../engine/runtime/market/sim_feed.ts";
import type { MarketEvent, Trade } from "../engine/core/types.ts";
import { until } from "./support/wait.ts";

async function trades(seed: number, n: number): Promise<Trade[]> {
  const out: Trade[] = [];
  const feed = new SimFeed({ seed, rate: 500 });
  await feed.start(["BTCUSDT", "ETHUSDT", "XYZUSDT"], (e) => {
    if (e.type === "trade" && e.symbol === "BTCUSDT") out.push(e);
  });
  await until(() => out.length >= n, `${n} simulated trades`);
  await feed.close();
  return out.slice(0, n);
}

Deno.test("sim: the same seed gives the same prices, another seed different ones", async () => {
  const [a, b, c] = await Promise.all([trades(42, 200), trades(42, 200), trades(43, 200)]);
  const prices = (ts: Trade[]) => ts.map((t) => [t.id, t.price, t.qty, t.buyerMaker]);
  assert.deepEqual(prices(a), prices(b));
  assert.notDeepEqual(prices(a), prices(c));
  assert.ok(a.every((t) => t.price > 40_000 && t.price < 80_000 && t.qty > 0));
});

Deno.test("sim: quotes straddle the trade price; labelled simulated", async () => {
  const events: MarketEvent[] = [];
  const feed = new SimFeed({ seed: 1, rate: 200 });
  await feed.start(["ETHUSDT"], (e) => events.push(e));
  await until(() => events.length >= 100, "100 events");
  await feed.close();
  for (let i = 0; i + 1 < events.length; i += 2) {
    const [t, q] = [events[i], events[i + 1]];
    assert.ok(
      t.type === "trade" && q.type === "quote" && q.bid < t.price + 1e-9 && q.ask > t.price - 1e-9,
    );
  }
  assert.equal(feed.simulated, true);
  assert.equal(feed.status().simulated, true);
  assert.equal(feed.status().name, "sim");
});

Deno.test("sim: history is deterministic, closed, contiguous and ends before now", async () => {
  const now = () => 1_700_000_123_456;
  const a = await new SimFeed({ seed: 5, now }).history("BTCUSDT", "1m", 300);
  const b = await new SimFeed({ seed: 5, now }).history("BTCUSDT", "1m", 300);
  assert.deepEqual(a, b);
  assert.equal(a.length, 300);
  assert.ok(a.at(-1)!.closeTime < now());
  assert.equal(a.at(-1)!.closeTime + 1, Math.floor(now() / 60_000) * 60_000);
  for (let i = 1; i < a.length; i++) {
    assert.equal(a[i].openTime - a[i - 1].openTime, 60_000);
    assert.equal(a[i].open, a[i - 1].close);
    assert.ok(
      a[i].low <= Math.min(a[i].open, a[i].close) && a[i].high >= Math.max(a[i].open, a[i].close),
    );
  }
  assert.equal(await new SimFeed().filters("BTCUSDT"), undefined);
});
