import assert from "node:assert/strict";
import { BinanceFeed } from "../engine/runtime/market/binance_feed.ts";
import { createFeed } from "../engine/runtime/market/create_feed.ts";
import { MarketHub } from "../engine/runtime/market/hub.ts";
import { BusSubscriber } from "../engine/runtime/market/bus_subscriber.ts";
import type { MarketEvent } from "../engine/core/types.ts";
import { startFakeBinance } from "./support/fake_binance.ts";
import { until } from "./support/wait.ts";

Deno.test("binance: a 10,000-trade burst reaches every subscriber exactly once and in order", async () => {
  const fake = await startFakeBinance();
  const hub = new MarketHub(new BinanceFeed({ wsUrl: fake.wsUrl, restUrl: fake.restUrl }));
  await hub.start(["BTCUSDT"]);
  const received: number[][] = [[], [], []];
  const subscribers = [0, 1].map((i) => {
    const sub: BusSubscriber = new BusSubscriber({
      symbols: ["BTCUSDT"],
      rings: { BTCUSDT: hub.ring("BTCUSDT") },
      startAfter: { BTCUSDT: hub.lastSeq("BTCUSDT") },
      onEvents: (events) => {
        for (const e of events) if (e.type === "trade") received[i].push(e.id);
      },
      requestRecovery: (symbol, from, to) =>
        queueMicrotask(() => sub.deliverRecovered(symbol, hub.recover(symbol, from, to))),
    });
    return sub;
  });
  const stop = hub.listen("trades:BTCUSDT", (events) => {
    for (const e of events) if (e.type === "trade") received[2].push(e.id);
  });
  try {
    for (let id = 1; id <= 10_000; id++) {
      fake.trade("BTCUSDT", id, 60_000 + (id % 50), 0.01);
      if (id % 10 === 0) fake.bookTicker("BTCUSDT", id, 59_999, 60_001);
    }
    await until(
      () => received.every((r) => r.length >= 10_000),
      "10,000 trades at every subscriber",
    );
    const expected = Array.from({ length: 10_000 }, (_, i) => i + 1);
    for (const r of received) assert.deepEqual(r, expected);
    assert.equal(hub.health().feed.events, 11_000);
    assert.equal(hub.cache.trades("BTCUSDT", 1000).length, 1000);
    assert.equal(hub.cache.ticker("BTCUSDT")?.bid, 59_999);
  } finally {
    stop();
    for (const s of subscribers) s.close();
    await hub.close();
    await fake.close();
  }
});

Deno.test("binance: reconnects within 2 s of a server drop, resubscribes and records the trade-id gap", async () => {
  const fake = await startFakeBinance();
  const events: MarketEvent[] = [];
  const feed = new BinanceFeed({ wsUrl: fake.wsUrl, restUrl: fake.restUrl });
  try {
    await feed.start(["BTCUSDT"], (e) => events.push(e));
    const first = await fake.waitForConnection(1);
    assert.deepEqual(first.initialStreams, ["btcusdt@trade", "btcusdt@bookTicker"]);
    feed.subscribe(["ETHUSDT"]);
    await until(() => fake.controls.length === 1, "the SUBSCRIBE message");
    assert.deepEqual(fake.controls[0].params, ["ethusdt@trade", "ethusdt@bookTicker"]);
    fake.trade("BTCUSDT", 10);
    fake.trade("ETHUSDT", 500);
    await until(() => events.length === 2, "two trades");

    const dropped = performance.now();
    fake.dropAll();
    const second = await fake.waitForConnection(2);
    await until(() => feed.status().connected, "reconnected status");
    assert.ok(performance.now() - dropped < 2000, "reconnect within 2 s");
    assert.ok(second.streams.has("ethusdt@trade") && second.streams.has("btcusdt@trade"));
    assert.equal(feed.status().reconnects, 1);

    fake.trade("BTCUSDT", 15);
    fake.trade("ETHUSDT", 501);
    await until(() => events.length === 4, "trades after reconnect");
    assert.deepEqual(
      feed.status().gaps.map(({ symbol, from_id, to_id }) => ({ symbol, from_id, to_id })),
      [{ symbol: "BTCUSDT", from_id: 11, to_id: 14 }],
    );
  } finally {
    await feed.close();
    await fake.close();
  }
});

Deno.test("binance: trades missed while disconnected are fetched over REST, in order; only the rest is a gap", async () => {
  const fake = await startFakeBinance();
  const events: MarketEvent[] = [];
  const feed = new BinanceFeed({ wsUrl: fake.wsUrl, restUrl: fake.restUrl });
  try {
    await feed.start(["BTCUSDT"], (e) => events.push(e));
    await fake.waitForConnection(1);
    fake.trade("BTCUSDT", 10);
    await until(() => events.length === 1, "the first trade");

    fake.dropAll();
    // Printed while the feed is disconnected; the exchange no longer serves trade 13.
    for (const id of [11, 12, 13, 14]) fake.trade("BTCUSDT", id);
    fake.forget("BTCUSDT", [13]);
    await fake.waitForConnection(2);
    await until(() => feed.status().connected, "reconnected status");
    fake.trade("BTCUSDT", 15);
    fake.trade("BTCUSDT", 16);
    await until(() => events.length === 6, "the fetched and the live trades");

    assert.deepEqual(events.map((e) => e.type === "trade" && e.id), [10, 11, 12, 14, 15, 16]);
    assert.deepEqual(fake.historyRequests, ["BTCUSDT:11:4"]);
    const status = feed.status();
    assert.equal(status.backfilled, 3);
    assert.deepEqual(
      status.gaps.map(({ symbol, from_id, to_id }) => ({ symbol, from_id, to_id })),
      [{ symbol: "BTCUSDT", from_id: 13, to_id: 13 }],
    );
  } finally {
    await feed.close();
    await fake.close();
  }
});

Deno.test("binance: a failed REST fetch of missed trades leaves them a gap and is counted", async () => {
  const fake = await startFakeBinance({ symbols: ["BTCUSDT"] });
  const events: MarketEvent[] = [];
  const feed = new BinanceFeed({ wsUrl: fake.wsUrl, restUrl: `${fake.restUrl}/broken` });
  try {
    await feed.start(["BTCUSDT"], (e) => events.push(e));
    await fake.waitForConnection(1);
    fake.trade("BTCUSDT", 1);
    fake.trade("BTCUSDT", 5);
    fake.trade("BTCUSDT", 6);
    await until(() => events.length === 3, "the live trades after the failed fetch");
    assert.deepEqual(events.map((e) => e.type === "trade" && e.id), [1, 5, 6]);
    assert.equal(feed.status().backfill_failures, 1);
    assert.deepEqual(feed.status().gaps.map((g) => [g.from_id, g.to_id]), [[2, 4]]);
  } finally {
    await feed.close();
    await fake.close();
  }
});

Deno.test("binance: malformed frames are dropped and counted by reason", async () => {
  const fake = await startFakeBinance();
  const events: MarketEvent[] = [];
  const feed = new BinanceFeed({ wsUrl: fake.wsUrl, restUrl: fake.restUrl });
  try {
    await feed.start(["BTCUSDT"], (e) => events.push(e));
    await fake.waitForConnection(1);
    fake.sendText("{not json");
    fake.sendText(JSON.stringify({ stream: "x@depth", data: { e: "depthUpdate", s: "BTCUSDT" } }));
    fake.trade("BTCUSDT", 1, NaN);
    fake.trade("BTCUSDT", 2, 0);
    fake.trade("BTCUSDT", 3, 100, -1);
    fake.sendText(JSON.stringify({
      stream: "xrpusdt@trade",
      data: { e: "trade", s: "XRPUSDT", t: 1, p: "1", q: "1", T: 1, m: false },
    }));
    fake.trade("BTCUSDT", 10);
    fake.trade("BTCUSDT", 10);
    fake.trade("BTCUSDT", 9);
    fake.bookTicker("BTCUSDT", 1, 99, 101);
    await until(() => feed.status().events === 2, "the two valid events");
    await until(
      () => Object.values(feed.status().dropped).reduce((a, b) => a + b, 0) === 8,
      "8 drops",
    );
    assert.deepEqual(feed.status().dropped, {
      invalid_json: 1,
      unknown_message: 1,
      invalid_number: 1,
      non_positive: 2,
      unknown_symbol: 1,
      duplicate: 1,
      out_of_order: 1,
    });
    assert.deepEqual(events.map((e) => e.type), ["trade", "quote"]);
  } finally {
    await feed.close();
    await fake.close();
  }
});

Deno.test("binance: control messages stay at or under 5 per second", async () => {
  const fake = await startFakeBinance({ symbols: ["BTCUSDT", "ETHUSDT", "SOLUSDT"] });
  const feed = new BinanceFeed({ wsUrl: fake.wsUrl, restUrl: fake.restUrl });
  try {
    await feed.start(["BTCUSDT"], () => {});
    await fake.waitForConnection(1);
    for (let i = 0; i < 6; i++) {
      feed.subscribe(["ETHUSDT"]);
      feed.unsubscribe(["ETHUSDT"]);
    }
    await until(() => fake.controls.length === 12, "12 control messages");
    for (let i = 5; i < fake.controls.length; i++) {
      assert.ok(
        fake.controls[i].at - fake.controls[i - 5].at >= 1000,
        `6 messages within 1 s at ${i}`,
      );
    }
    assert.deepEqual(fake.controls.map((c) => c.id), Array.from({ length: 12 }, (_, i) => i + 1));
  } finally {
    await feed.close();
    await fake.close();
  }
});

Deno.test("binance: protocol pings are answered (the server keeps an idle connection)", async () => {
  const fake = await startFakeBinance({ idleTimeout: 1 });
  const feed = new BinanceFeed({ wsUrl: fake.wsUrl, restUrl: fake.restUrl });
  try {
    await feed.start(["BTCUSDT"], () => {});
    await new Promise((resolve) => setTimeout(resolve, 3500));
    assert.equal(fake.accepted, 1);
    assert.equal(feed.status().connected, true);
    assert.equal(feed.status().reconnects, 0);
  } finally {
    await feed.close();
    await fake.close();
  }
});

Deno.test("binance: planned reconnect before the cut-off keeps the stream without loss", async () => {
  const fake = await startFakeBinance();
  const ids: number[] = [];
  const feed = new BinanceFeed({ wsUrl: fake.wsUrl, restUrl: fake.restUrl, maxConnectionMs: 300 });
  try {
    await feed.start(["BTCUSDT"], (e) => e.type === "trade" && ids.push(e.id));
    await fake.waitForConnection(2);
    await until(() => fake.connections.length === 1, "the old connection closed");
    fake.trade("BTCUSDT", 1);
    await until(() => ids.length === 1, "a trade on the new connection");
    assert.ok(feed.status().reconnects >= 1);
  } finally {
    await feed.close();
    await fake.close();
  }
});

Deno.test("binance: warm-up klines and filters come from REST", async () => {
  const fake = await startFakeBinance();
  const feed = new BinanceFeed({ wsUrl: fake.wsUrl, restUrl: fake.restUrl });
  try {
    const candles = await feed.history("BTCUSDT", "1m", 10);
    assert.equal(candles.length, 9, "the forming candle is left out");
    assert.ok(
      candles.every((c, i) =>
        c.closed && (i === 0 || c.openTime - candles[i - 1].openTime === 60_000)
      ),
    );
    assert.ok(candles.at(-1)!.closeTime < Date.now());
    assert.deepEqual(await feed.filters("ETHUSDT"), {
      tickSize: 0.01,
      stepSize: 0.00001,
      minNotional: 5,
      base: "ETH",
      quote: "USDT",
    });
    await assert.rejects(feed.history("NOPE", "1m", 10), /HTTP 400/);
  } finally {
    await feed.close();
    await fake.close();
  }
});

Deno.test("createFeed: auto picks Binance when it answers, else the simulated feed with the reason", async () => {
  const fake = await startFakeBinance();
  const live = await createFeed("auto", { binanceWsUrl: fake.wsUrl, binanceRestUrl: fake.restUrl });
  assert.equal(live.name, "binance");
  await fake.close();
  const sim = await createFeed("auto", { binanceRestUrl: fake.restUrl, probeTimeoutMs: 500 });
  assert.equal(sim.name, "sim");
  assert.equal(sim.simulated, true);
  await sim.start(["BTCUSDT"], () => {});
  assert.match(sim.status().reason ?? "", /^binance unreachable: .+; using simulated data$/);
  await sim.close();
});

Deno.test("binance: an unreachable exchange is reported and retried, not replaced", async () => {
  const fake = await startFakeBinance();
  const wsUrl = fake.wsUrl;
  await fake.close();
  const feed = await createFeed("binance", { binanceWsUrl: wsUrl, binanceRestUrl: fake.restUrl });
  try {
    await feed.start(["BTCUSDT"], () => {});
    assert.equal(feed.name, "binance");
    assert.equal(feed.status().connected, false);
    assert.match(feed.status().reason ?? "", /unreachable|closed/);
  } finally {
    await feed.close();
  }
});
