/** Portfolio backtests: several recordings, one wallet, merged in time order. */
import assert from "node:assert/strict";
import { Backtest } from "../engine/core/backtest/mod.ts";
import { resolveExecutionConfig } from "../engine/core/execution/mod.ts";
import type { MarketEvent } from "../engine/core/types.ts";
import { chartedFills, runBacktest, tradeRows } from "../engine/runtime/backtest/mod.ts";
import { readRecording } from "../engine/runtime/market/recording.ts";
import { validateStrategy } from "../engine/runtime/strategies.ts";
import { simStream, writeStream } from "./support/backtest_stream.ts";
import { runCli } from "./support/cli.ts";
import { startTestServer } from "./support/server.ts";
import { backtestDone, call } from "./support/api.ts";

const strategy = validateStrategy(
  await Deno.readTextFile(new URL("../strategies/ema_cross_fast.yaml", import.meta.url)),
);
const execution = resolveExecutionConfig({});
const btc = simStream({ symbol: "BTCUSDT", durationMs: 1_800_000, seed: 5 });
const eth = simStream({ symbol: "ETHUSDT", durationMs: 1_800_000, seed: 6 });

/** The documented merge: by time, equal times in the order of the files (stable sort). */
function merged(...streams: MarketEvent[][]): MarketEvent[] {
  const time = (e: MarketEvent) => e.type === "candle" ? e.closeTime : e.time;
  return streams.flat().sort((a, b) => time(a) - time(b));
}

Deno.test("a portfolio backtest over two files equals one wallet stepped over the merged stream", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeStream(`${dir}/btc.jsonl`, btc);
    await writeStream(`${dir}/eth.jsonl`, eth);
    const result = await runBacktest([
      { symbol: "BTCUSDT", path: `${dir}/btc.jsonl` },
      { symbol: "ETHUSDT", path: `${dir}/eth.jsonl` },
    ], { strategy, execution });
    const reference = new Backtest({
      symbol: "BTCUSDT",
      symbols: ["BTCUSDT", "ETHUSDT"],
      strategy,
      execution,
    });
    for (const event of merged(btc, eth)) reference.step(event);
    const expected = reference.result();
    assert.deepEqual(result.fills, expected.fills);
    assert.deepEqual(result.metrics, expected.metrics);
    assert.deepEqual(result.symbols, ["BTCUSDT", "ETHUSDT"]);
    const symbols = new Set(result.trades.map((t) => t.symbol));
    assert.deepEqual([...symbols].sort(), ["BTCUSDT", "ETHUSDT"], "both symbols trade");
    // One wallet: cash moves by every fill of both symbols.
    let cash = execution.initial_cash;
    for (const f of result.fills) {
      cash += (f.side === "buy" ? -1 : 1) * f.quantity * f.price - f.fee;
    }
    assert.ok(Math.abs(cash - result.final.cash) < 1e-6, `${cash} vs ${result.final.cash}`);
    // The price chart shows the first symbol, with its fills only.
    const charted = chartedFills(result);
    assert.ok(charted.length > 0 && charted.length < result.fills.length);
    assert.ok(charted.every((f) => f.symbol === "BTCUSDT"));
    const btcPrices = btc.flatMap((e) => e.type === "trade" ? [e.price] : []);
    assert.ok(result.prices.every((p) => btcPrices.includes(p[3])), "charted prices are BTCUSDT's");
    // The symbols' equities add up to the portfolio's.
    const shares = Object.values(result.per_symbol!).reduce((sum, s) => sum + s.metrics.equity, 0);
    assert.ok(
      Math.abs(shares - result.metrics.equity) < 1e-6,
      `${shares} vs ${result.metrics.equity}`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a portfolio over files of many read chunks, with corrupt lines, merges and drops as event by event", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // About 7 MB each: both files take several 4 MiB chunks, which end at different times.
    const a = simStream({ symbol: "BTCUSDT", durationMs: 5_400_000, stepMs: 300, seed: 7 });
    const b = simStream({ symbol: "ETHUSDT", durationMs: 5_400_000, stepMs: 250, seed: 8 });
    await writeStream(`${dir}/a.jsonl`, a);
    await writeStream(`${dir}/b.jsonl`, b);
    const lines = (await Deno.readTextFile(`${dir}/a.jsonl`)).split("\n");
    lines.splice(20_000, 0, lines[19_990], "not json", lines[19_995]);
    await Deno.writeTextFile(`${dir}/a.jsonl`, lines.join("\n"));
    const sources = [
      { symbol: "BTCUSDT", path: `${dir}/a.jsonl` },
      { symbol: "ETHUSDT", path: `${dir}/b.jsonl` },
    ];
    const result = await runBacktest(sources, { strategy, execution });
    const expectedDrops: Record<string, number> = {};
    const streams: MarketEvent[][] = [];
    for (const { symbol, path } of sources) {
      const events: MarketEvent[] = [];
      const onDrop = (r: string) => expectedDrops[r] = (expectedDrops[r] ?? 0) + 1;
      for await (const e of readRecording(path, { symbol, onDrop })) events.push(e);
      streams.push(events);
    }
    assert.ok(Object.keys(expectedDrops).length >= 2, "the corrupt lines are dropped");
    const reference = new Backtest({
      symbol: "BTCUSDT",
      symbols: ["BTCUSDT", "ETHUSDT"],
      strategy,
      execution,
    });
    for (const event of merged(...streams)) reference.step(event);
    const expected = reference.result();
    assert.deepEqual(result.dropped, expectedDrops);
    assert.equal(result.events, expected.events);
    assert.deepEqual(result.fills, expected.fills);
    assert.deepEqual(result.metrics, expected.metrics);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a portfolio backtest stopped mid-file rejects with the reason and leaves no file open", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const a = simStream({ symbol: "BTCUSDT", durationMs: 5_400_000, stepMs: 300, seed: 7 });
    await writeStream(`${dir}/a.jsonl`, a);
    await writeStream(`${dir}/b.jsonl`, eth);
    const stop = new AbortController();
    const run = runBacktest([
      { symbol: "BTCUSDT", path: `${dir}/a.jsonl` },
      { symbol: "ETHUSDT", path: `${dir}/b.jsonl` },
    ], {
      strategy,
      execution,
      signal: stop.signal,
      onProgress: (f) => f > 0.3 && stop.abort(new Error("stopped by the test")),
    });
    await assert.rejects(run, /stopped by the test/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("backtest CLI: repeated --data SYMBOL=FILE, symbols on trades, mixed quotes refused", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeStream(`${dir}/btc.jsonl`, btc);
    await writeStream(`${dir}/eth.jsonl`, eth);
    const data = ["--data", `BTCUSDT=${dir}/btc.jsonl`, "--data", `ETHUSDT=${dir}/eth.jsonl`];
    const run = await runCli("backtest", ["--strategy", "ema_cross_fast", ...data, "--json"]);
    assert.equal(run.code, 0, run.stderr);
    const document = JSON.parse(run.stdout);
    assert.deepEqual(Object.keys(document), ["trades", "metrics", "per_symbol"]);
    assert.deepEqual(Object.keys(document.per_symbol), ["BTCUSDT", "ETHUSDT"]);
    const expected = await runBacktest([
      { symbol: "BTCUSDT", path: `${dir}/btc.jsonl` },
      { symbol: "ETHUSDT", path: `${dir}/eth.jsonl` },
    ], { strategy, execution });
    assert.deepEqual(document.trades, tradeRows(expected.trades));
    assert.deepEqual(document.metrics, expected.metrics);
    for (const trade of document.trades) assert.match(trade.symbol, /^(BTC|ETH)USDT$/);
    const table = await runCli("backtest", ["--strategy", "ema_cross_fast", ...data]);
    assert.equal(table.code, 0, table.stderr);
    const perSymbol = document.per_symbol as Record<string, { trade_count: number }>;
    for (const [symbol, metrics] of Object.entries(perSymbol)) {
      assert.match(
        table.stdout,
        new RegExp(`${symbol} +${metrics.trade_count} `),
        "per-symbol rows",
      );
    }

    const mixed = await runCli("backtest", [
      "--strategy",
      "ema_cross_fast",
      "--data",
      `BTCUSDT=${dir}/btc.jsonl`,
      "--data",
      `ETHBTC=${dir}/eth.jsonl`,
    ]);
    assert.equal(mixed.code, 2);
    assert.match(mixed.stderr, /one quote currency; got BTCUSDT \(USDT\), ETHBTC \(BTC\)/);
    const unnamed = await runCli("backtest", [
      "--strategy",
      "ema_cross_fast",
      "--data",
      `BTCUSDT=${dir}/btc.jsonl`,
      "--data",
      `${dir}/eth.jsonl`,
    ]);
    assert.equal(unnamed.code, 2);
    assert.match(unnamed.stderr, /each is SYMBOL=FILE/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "POST /api/backtests with a portfolio runs one wallet over both recordings",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    await Deno.mkdir(`${dir}/recordings`);
    await writeStream(`${dir}/recordings/btc.jsonl`, btc);
    await writeStream(`${dir}/recordings/eth.jsonl`, eth);
    const server = await startTestServer({ env: { DATA_DIR: dir } });
    const post = (body: unknown) => call(server.url, "POST", "/api/backtests", body);
    try {
      const portfolio = [
        { symbol: "BTCUSDT", data: "btc.jsonl" },
        { symbol: "ETHUSDT", data: "eth.jsonl" },
      ];
      const created = await post({ strategy: "ema_cross_fast", portfolio });
      assert.equal(created.status, 201, created.text);
      const done = await backtestDone(server.url, created.body.id);
      const expected = await runBacktest([
        { symbol: "BTCUSDT", path: `${dir}/recordings/btc.jsonl` },
        { symbol: "ETHUSDT", path: `${dir}/recordings/eth.jsonl` },
      ], { strategy, execution });
      assert.deepEqual(done.result.trades, JSON.parse(JSON.stringify(expected.trades)));
      assert.deepEqual(done.result.metrics, expected.metrics);
      assert.deepEqual(Object.keys(done.result.per_symbol), ["BTCUSDT", "ETHUSDT"]);
      assert.equal(done.params.data, "BTCUSDT=btc.jsonl ETHUSDT=eth.jsonl");

      const mixed = await post({
        strategy: "ema_cross_fast",
        portfolio: [{ symbol: "BTCUSDT", data: "btc.jsonl" }, {
          symbol: "ETHBTC",
          data: "eth.jsonl",
        }],
      });
      assert.equal(mixed.status, 400);
      assert.match(mixed.text, /one quote currency; got BTCUSDT \(USDT\), ETHBTC \(BTC\)/);
      const both = await post({ strategy: "ema_cross_fast", data: "btc.jsonl", portfolio });
      assert.equal(both.status, 400);
      assert.match(both.text, /exactly one of them/);
    } finally {
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** Four 1m klines (Binance dump rows), o/h/l/c; BBBUSDT trades at twice these prices. Candle 2 closes below its open. */
const KLINES: [number, number, number, number][] = [
  [10, 11, 9.8, 10.5],
  [10.6, 11.2, 10.4, 11],
  [11, 11.1, 9.4, 9.5],
  [9.6, 12.1, 9.5, 12],
];

async function klineCsv(path: string, scale: number): Promise<void> {
  const start = Date.UTC(2026, 0, 1);
  const rows = KLINES.map(([o, h, l, c], i) =>
    [
      start + i * 60_000,
      o * scale,
      h * scale,
      l * scale,
      c * scale,
      100,
      start + i * 60_000 + 59_999,
      0,
      4,
      0,
      0,
      0,
    ]
      .join(",")
  );
  await Deno.writeTextFile(path, rows.join("\n") + "\n");
}

Deno.test("kline CSVs by hand: merged by open time, ties in --data order, one wallet", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await klineCsv(`${dir}/a.csv`, 1);
    await klineCsv(`${dir}/b.csv`, 2);
    const handStrategy = (portfolio: string) =>
      validateStrategy(`
version: 1
name: close-above-zero
timeframe: 1m
entry:
  long: { gt: [close, 0] }
exit:
  long: { lt: [close, open] }
sizing: { type: fixed_quantity, value: 1 }
${portfolio}
`);
    const free = resolveExecutionConfig({
      maker_fee: 0,
      taker_fee: 0,
      slippage: { model: "fixed", bps: 0 },
    });
    const sources = [
      { symbol: "AAAUSDT", path: `${dir}/a.csv` },
      { symbol: "BBBUSDT", path: `${dir}/b.csv` },
    ];
    // Entries on candle 0's close fill at candle 1's open; exits on candle 2's close at candle 3's open.
    const both = await runBacktest(sources, { strategy: handStrategy(""), execution: free });
    assert.deepEqual(both.fills.map((f) => [f.symbol, f.side, f.price]), [
      ["AAAUSDT", "buy", 10.6],
      ["BBBUSDT", "buy", 21.2],
      ["AAAUSDT", "sell", 9.6],
      ["BBBUSDT", "sell", 19.2],
    ]);
    assert.deepEqual(both.trades.map((t) => [t.symbol, t.pnl]), [["AAAUSDT", -1], ["BBBUSDT", -2]]);
    assert.equal(both.final.cash, 10_000 - 1 - 2);
    assert.equal(both.events, 32);
    assert.equal(both.per_symbol!.AAAUSDT.metrics.trade_count, 1);

    // One symbol at a time: BBB waits until AAA has exited (AAA's kline 3 comes first at that time).
    const one = await runBacktest(sources, {
      strategy: handStrategy("portfolio: { max_symbols: 1 }"),
      execution: free,
    });
    assert.deepEqual(one.fills.map((f) => [f.symbol, f.side, f.price]), [
      ["AAAUSDT", "buy", 10.6],
      ["AAAUSDT", "sell", 9.6],
      ["BBBUSDT", "buy", 19.2],
    ]);
    assert.equal(one.signals.ignored >= 2, true, `ignored: ${one.signals.ignored}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
