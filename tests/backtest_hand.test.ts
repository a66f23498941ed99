/**
 * Hand-checkable backtests: an SMA 2/3 cross over eight 1m candles, with the
 * trades computed by hand from the documented kline synthesis (signals on
 * candle close, market fills at the next candle's open, stops and take
 * profits against the high/low in the documented order).
 */
import assert from "node:assert/strict";
import { Backtest, candleTrades } from "../engine/core/backtest/mod.ts";
import { resolveExecutionConfig } from "../engine/core/execution/mod.ts";
import { parseStrategy, type Strategy } from "../engine/core/strategy/mod.ts";
import type { Candle, Trade } from "../engine/core/types.ts";
import { runBacktest } from "../engine/runtime/backtest/run.ts";
import { tradesCsv, tradesTableHtml } from "../engine/runtime/backtest/report.ts";

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;
// o, h, l, c — closes 10 9 8 9 11 12 9 8:
// SMA2 −, 9.5, 8.5, 8.5, 10, 11.5, 10.5, 8.5; SMA3 −, −, 9, 8.67, 9.33, 10.67, 10.67, 9.67
// fast crosses above slow at candle 4's close, below at candle 6's close.
const OHLC: [number, number, number, number][] = [
  [10, 10.5, 9.5, 10],
  [10, 10.2, 8.8, 9],
  [9, 9.1, 7.9, 8],
  [8, 9.2, 7.8, 9],
  [9, 11.3, 8.9, 11],
  [11.2, 12.05, 11, 12],
  [12, 12.2, 8.8, 9],
  [8.9, 9, 7.5, 8],
];

function candles(): Candle[] {
  return OHLC.map(([open, high, low, close], i) => ({
    type: "candle",
    symbol: "TESTUSDT",
    timeframe: "1m",
    openTime: T0 + i * MIN,
    closeTime: T0 + (i + 1) * MIN - 1,
    open,
    high,
    low,
    close,
    volume: 100,
    closed: true,
  }));
}

function strategy(risk = ""): Strategy {
  const result = parseStrategy(`
version: 1
name: sma-2-3
timeframe: 1m
indicators:
  fast: { type: SMA, period: 2 }
  slow: { type: SMA, period: 3 }
entry:
  long: { crosses_above: [fast, slow] }
exit:
  long: { crosses_below: [fast, slow] }
${risk}
sizing: { type: fixed_quantity, value: 1 }
`);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.strategy;
}

function run(options: { risk?: string; fees?: number; bps?: number }) {
  const backtest = new Backtest({
    symbol: "TESTUSDT",
    strategy: strategy(options.risk),
    execution: resolveExecutionConfig({
      maker_fee: options.fees ?? 0,
      taker_fee: options.fees ?? 0,
      slippage: { model: "fixed", bps: options.bps ?? 0 },
    }),
  });
  for (const candle of candles()) backtest.stepKline(candle);
  return backtest.result();
}

Deno.test("kline synthesis: documented order, times inside the candle, volume split", () => {
  const [bull, , , , , , bear] = candles();
  const out: Trade[] = [];
  assert.equal(candleTrades(bull, 1, out), 5);
  assert.equal(candleTrades(bear, 5, out), 9);
  assert.deepEqual(out.map((t) => t.price), [10, 9.5, 10.5, 10, 12, 12.2, 8.8, 9]);
  assert.deepEqual(out.slice(0, 4).map((t) => t.time - T0), [0, 20_000, 40_000, 59_999]);
  assert.deepEqual(out.map((t) => t.id), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.ok(out.every((t) => t.qty === 25));
});

Deno.test("SMA 2/3 cross: entry at candle 5's open, exit at candle 7's open (no costs)", () => {
  const result = run({});
  assert.equal(result.trades.length, 1);
  const [trade] = result.trades;
  assert.equal(trade.side, "long");
  assert.equal(trade.entry_time, T0 + 5 * MIN);
  assert.equal(trade.exit_time, T0 + 7 * MIN);
  assert.equal(trade.entry_price, 11.2);
  assert.equal(trade.exit_price, 8.9);
  assert.equal(trade.quantity, 1);
  assert.ok(Math.abs(trade.pnl - -2.3) < 1e-9);
  assert.equal(result.fills.length, 2);
  assert.equal(result.signals.acted, 2);
  assert.equal(result.metrics.trade_count, 1);
  assert.equal(result.final.position.quantity, 0);
  assert.ok(Math.abs(result.final.cash - (10_000 - 2.3)) < 1e-9);
});

Deno.test("SMA 2/3 cross with 0.1% fees and 10 bps slippage", () => {
  const [trade] = run({ fees: 0.001, bps: 10 }).trades;
  const entry = 11.2 * 1.001; // buy: slippage up
  const exit = 8.9 * 0.999; // sell: slippage down
  const fees = entry * 0.001 + exit * 0.001;
  assert.ok(Math.abs(trade.entry_price - entry) < 1e-8);
  assert.ok(Math.abs(trade.exit_price - exit) < 1e-8);
  assert.ok(Math.abs(trade.fees - fees) < 1e-8);
  assert.ok(Math.abs(trade.pnl - (exit - entry - fees)) < 1e-8);
});

Deno.test("bearish candle: the high comes first, so the take profit fills before the stop", () => {
  // Signal price 11 (candle 4's close): stop 10.45, take profit 12.1. Candle 5's high
  // 12.05 stays below it; candle 6 (bearish) goes 12 → 12.2 → 8.8: the take profit
  // (a resting limit) fills at 12.1 on the high, before the low would hit the stop.
  const result = run({ risk: "risk: { stop_loss: { percent: 5 }, take_profit: { percent: 10 } }" });
  assert.equal(result.trades.length, 1);
  const [trade] = result.trades;
  assert.equal(trade.exit_price, 12.1);
  assert.equal(trade.exit_time, T0 + 6 * MIN + 20_000);
  const exit = result.fills[1];
  assert.equal(exit.liquidity, "maker");
  assert.equal(exit.tag, "entry.long.take_profit");
});

Deno.test("stop loss: triggered by the candle's low, fills at that trade's price", () => {
  // Stop 5% under 11 = 10.45; candle 6 without a reachable take profit: 12 → 12.2 → 8.8.
  const result = run({ risk: "risk: { stop_loss: { percent: 5 } }" });
  const [trade] = result.trades;
  assert.equal(trade.exit_price, 8.8);
  assert.equal(trade.exit_time, T0 + 6 * MIN + 40_000);
  assert.equal(result.fills[1].tag, "entry.long.stop_loss");
});

Deno.test("runBacktest reads a klines CSV dump (µs times) like the core", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/TESTUSDT-1m-2026-01-01.csv`;
  const lines = candles().map((c) =>
    [
      c.openTime * 1000,
      c.open,
      c.high,
      c.low,
      c.close,
      c.volume,
      c.closeTime * 1000 + 999,
      0,
      4,
      0,
      0,
      0,
    ].join(",")
  );
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
  const progress: number[] = [];
  const result = await runBacktest(path, {
    strategy: strategy(),
    execution: resolveExecutionConfig({
      maker_fee: 0,
      taker_fee: 0,
      slippage: { model: "fixed", bps: 0 },
    }),
    onProgress: (f) => progress.push(f),
  });
  assert.deepEqual(result.trades, run({}).trades);
  assert.equal(result.events, 32);
  assert.equal(progress.at(-1), 1);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("limit entry rests until the price comes through it (maker fill on the low)", () => {
  // Entry limit 1% under 11 = 10.89: candle 5's low 11 does not reach it; candle 6's
  // low 8.8 trades through it → maker fill at 10.89; the exit fires at candle 6's close.
  const result = run({ risk: "orders: { entry: { type: limit, offset_percent: 1 } }" });
  assert.equal(result.trades.length, 1);
  const [trade] = result.trades;
  assert.equal(trade.entry_price, 10.89);
  assert.equal(trade.entry_time, T0 + 6 * MIN + 40_000);
  assert.equal(result.fills[0].liquidity, "maker");
  assert.equal(trade.exit_price, 8.9);
});

Deno.test("trade CSV and HTML carry no float noise", () => {
  const trade = {
    id: "t1",
    symbol: "BTCUSDT",
    side: "long" as const,
    entry_time: 0,
    exit_time: 60_000,
    entry_price: 97578.52000000002,
    exit_price: 97600.1,
    quantity: 0.30000000000000004,
    pnl: 6.474000000000001,
    fees: 0.1,
  };
  const csv = tradesCsv([trade]);
  assert.match(csv, /,97578\.52,97600\.1,0\.3,6\.474,0\.1\n$/);
  const html = tradesTableHtml([trade]);
  assert.match(html, /<td>97578\.52<\/td><td>97600\.1<\/td><td>0\.3<\/td>/);
  assert.doesNotMatch(csv + html, /0000000000\d/);
});
