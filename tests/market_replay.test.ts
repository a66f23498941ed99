import assert from "node:assert/strict";
import { record } from "../engine/runtime/market/recorder.ts";
import { binanceSymbol, csvSymbol, readRecording } from "../engine/runtime/market/recording.ts";
import { ReplayFeed } from "../engine/runtime/market/replay_feed.ts";
import { SimPath } from "../engine/runtime/market/sim_feed.ts";
import { createFeed } from "../engine/runtime/market/create_feed.ts";
import type { MarketEvent, Trade } from "../engine/core/types.ts";

async function collect(path: string, options = {}): Promise<MarketEvent[]> {
  const out: MarketEvent[] = [];
  for await (const e of readRecording(path, options)) out.push(e);
  return out;
}

Deno.test("replay: a gzip recording of the sim feed replays exactly the recorded events", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/sim.jsonl.gz`;
    const lines = await record(["BTCUSDT", "ETHUSDT"], path, {
      feed: "sim",
      simRate: 200,
      seed: 7,
      durationMs: 600,
    });
    assert.ok(lines > 100, `recorded ${lines} lines`);
    const recorded = await collect(path);
    assert.equal(recorded.length, lines);
    const feed = await createFeed(`replay:${path}`, { replaySpeed: "max" });
    const replayed: MarketEvent[] = [];
    await feed.start([], (e) => replayed.push(e));
    await (feed as ReplayFeed).done;
    assert.deepEqual(replayed, recorded);
    assert.equal(feed.status().reason, "replay finished");

    // The price path depends only on the seed: a fresh path gives the recorded prices.
    const path7 = new SimPath("BTCUSDT", 7);
    const btc = recorded.filter((e): e is Trade => e.symbol === "BTCUSDT" && e.type === "trade");
    assert.ok(btc.length > 10);
    for (const t of btc) assert.deepEqual(path7.next(t.time)[0], t);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("replay: CSV trades and klines with ms and µs timestamps, with and without a header", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const trades = `${dir}/BTCUSDT-trades-2025-01-01.csv`;
    await Deno.writeTextFile(
      trades,
      "id,price,qty,quote_qty,time,is_buyer_maker,is_best_match\n" +
        "100,93000.5,0.01,930.005,1735689600123456,True,True\n" +
        "101,93001,0.02,1860.02,1735689600200000,false,True\n" +
        "102,NaN,0.02,1,1735689600300000,false,True\n",
    );
    const events = [];
    const drops: string[] = [];
    for await (const e of readRecording(trades, { onDrop: (r) => drops.push(r) })) events.push(e);
    assert.deepEqual(events, [
      {
        type: "trade",
        symbol: "BTCUSDT",
        id: 100,
        price: 93000.5,
        qty: 0.01,
        time: 1735689600123,
        buyerMaker: true,
      },
      {
        type: "trade",
        symbol: "BTCUSDT",
        id: 101,
        price: 93001,
        qty: 0.02,
        time: 1735689600200,
        buyerMaker: false,
      },
    ]);
    assert.deepEqual(drops, ["invalid_number"]);

    const klines = `${dir}/ETHUSDT-1m-2024-01-01.csv`;
    await Deno.writeTextFile(
      klines,
      "1704067200000,2281.87,2285.00,2281.14,2283.98,1071.3,1704067259999,2446110.5,1542,584.4,1334500.4,0\n" +
        "1704067260000,2283.98,2284.5,2282,2283,500,1704067319999,1,1,1,1,0\n",
    );
    const ks = await collect(klines);
    assert.equal(ks.length, 2);
    assert.deepEqual(ks[0], {
      type: "candle",
      symbol: "ETHUSDT",
      timeframe: "1m",
      openTime: 1704067200000,
      closeTime: 1704067259999,
      open: 2281.87,
      high: 2285,
      low: 2281.14,
      close: 2283.98,
      volume: 1071.3,
      closed: true,
    });
    const micro = `${dir}/klines.csv`;
    await Deno.writeTextFile(
      micro,
      "1735689600000000,1,2,0.5,1.5,10,1735693199999999,1,1,1,1,0\n",
    );
    const [k] = await collect(micro, { symbol: "solusdt" });
    assert.equal(k.symbol, "SOLUSDT");
    assert.equal(k.type === "candle" && k.timeframe, "1h");
    assert.equal(k.type === "candle" && k.closeTime, 1735693199999);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("replay: real-time pacing follows event times scaled by speed", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/BTCUSDT-trades.csv`;
    await Deno.writeTextFile(path, "1,10,1,10,1000,true,true\n2,11,1,11,1400,true,true\n");
    const feed = new ReplayFeed(path, { speed: 2 });
    const got: MarketEvent[] = [];
    const started = performance.now();
    await feed.start(["BTCUSDT"], (e) => got.push(e));
    await feed.done;
    assert.equal(got.length, 2);
    assert.ok(performance.now() - started >= 190, "the 400 ms gap takes ~200 ms at 2×");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("record CLI: records the sim feed for a duration", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = `${dir}/rec.jsonl`;
    const cli = new URL("../cli/record.ts", import.meta.url).pathname;
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        cli,
        "--symbols",
        "BTCUSDT",
        "--out",
        out,
        "--duration",
        "1",
        "--rate",
        "50",
      ],
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    assert.match(new TextDecoder().decode(stderr), /recorded \d+ messages/);
    const events = await collect(out);
    assert.ok(events.length > 10);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a CSV dump's symbol comes only from a Binance-style file name", async () => {
  assert.equal(binanceSymbol("/data/BTCUSDT-trades-2025-01-01.csv"), "BTCUSDT");
  assert.equal(binanceSymbol("ethusdt-1m-2025-01.csv.gz"), "ETHUSDT");
  assert.equal(binanceSymbol("SOLUSDT-aggTrades-2025-01-01.csv"), "SOLUSDT");
  assert.equal(binanceSymbol("BTCUSDT.csv"), "BTCUSDT");
  assert.equal(binanceSymbol("klines.csv"), undefined);
  assert.equal(binanceSymbol("my-export.csv"), undefined);
  assert.equal(csvSymbol("klines.csv", { symbol: "btcusdt" }), "BTCUSDT");
  assert.throws(() => csvSymbol("klines.csv", {}), /does not name its symbol/);
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/klines.csv`;
    await Deno.writeTextFile(path, "1735689600000,1,2,0.5,1.5,10,1735693199999,1,1,1,1,0\n");
    await assert.rejects(() => collect(path), /does not name its symbol/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
