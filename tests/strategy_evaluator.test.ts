import assert from "node:assert/strict";
import type { Candle } from "../engine/core/types.ts";
import {
  compileStrategy,
  parseStrategy,
  type Signal,
  StrategyEvaluator,
} from "../engine/core/strategy/mod.ts";

function compile(doc: Record<string, unknown>) {
  const result = parseStrategy({
    version: 1,
    name: "t",
    timeframe: "1m",
    sizing: { type: "percent_of_equity", value: 50 },
    ...doc,
  });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  return compileStrategy(result.strategy);
}

function candle(i: number, close: number, timeframe: Candle["timeframe"] = "1m"): Candle {
  const ms = timeframe === "1m" ? 60_000 : 300_000;
  return {
    type: "candle",
    symbol: "BTCUSDT",
    timeframe,
    openTime: i * ms,
    closeTime: i * ms + ms - 1,
    open: close,
    high: close + 1,
    low: close - 1,
    close,
    volume: 1,
    closed: true,
  };
}

function trade(time: number, price: number, id = time) {
  return { type: "trade", symbol: "BTCUSDT", id, price, qty: 2, time, buyerMaker: false } as const;
}

Deno.test("crosses_below fires once on the crossing candle; reason and values", () => {
  const signals: Signal[] = [];
  const compiled = compile({
    indicators: { s: { type: "SMA", period: 2 } },
    entry: { long: { crosses_below: ["close", "s"] } },
  });
  assert.equal(compiled.warmupCandles, 3);
  const ev = new StrategyEvaluator(compiled, { onSignal: (s) => signals.push(s) });
  [10, 10, 11, 12, 9, 8, 7].forEach((c, i) => ev.onCandle(candle(i, c)));
  assert.equal(signals.length, 1);
  const [s] = signals;
  assert.equal(s.rule, "entry.long");
  assert.equal(s.time, 4 * 60_000 + 59_999);
  assert.equal(s.price, 9);
  assert.equal(s.reason, "close crosses_below s (close 9 ← 12, s 10.50 ← 11.50)");
  assert.deepEqual(s.values, { close: 9, s: 10.5 });
  assert.deepEqual(ev.warmup(), { done: 3, total: 3 });
});

Deno.test("trades aggregate into epoch-aligned candles closed by the next bucket or closeCandles", () => {
  const ev = new StrategyEvaluator(
    compile({
      indicators: { e: { type: "EMA", period: 2, timeframe: "5m" } },
      entry: { long: { gt: ["close", "e"] } },
    }),
    { onSignal: () => {} },
  );
  ev.onTrade(trade(60_000 + 5, 10));
  ev.onTrade(trade(60_000 + 10, 12));
  ev.onTrade(trade(60_000 + 20, 9));
  ev.onTrade(trade(119_999, 11));
  assert.equal(ev.candles("1m").length, 0, "still forming");
  ev.onTrade(trade(120_000, 50));
  const [c] = ev.candles("1m");
  assert.deepEqual(
    [c.openTime, c.closeTime, c.open, c.high, c.low, c.close, c.volume, c.closed, c.symbol],
    [60_000, 119_999, 10, 12, 9, 11, 8, true, "BTCUSDT"],
  );
  ev.onTrade(trade(100, 1)); // late for 1m: ignored there; the earliest trade of the forming 5m candle
  ev.closeCandles(180_000);
  assert.equal(ev.candles("1m").length, 2);
  assert.equal(ev.value("close"), 50);
  ev.closeCandles(300_000); // the 5m candle [0, 299_999] closes too
  assert.equal(ev.candles("5m").length, 1);
  assert.equal(ev.candles("5m")[0].high, 50);
  const { open, low, close } = ev.candles("5m")[0];
  assert.deepEqual(
    [open, low, close],
    [1, 1, 50],
    "open of the earliest trade, close of the latest",
  );
  assert.ok(Number.isNaN(ev.value("e")));
  assert.ok(Number.isNaN(ev.value("nope")));
});

Deno.test("candle window keeps the last 500", () => {
  const ev = new StrategyEvaluator(
    compile({ entry: { long: { gt: ["close", 1e9] } } }),
    { onSignal: () => {} },
  );
  for (let i = 0; i < 620; i++) ev.onCandle(candle(i, 100 + i));
  const candles = ev.candles("1m");
  assert.equal(candles.length, 500);
  assert.equal(candles[0].close, 220);
  assert.equal(candles[499].close, 719);
  ev.onCandle(candle(5, 1)); // not newer: ignored
  assert.equal(ev.stats.candles, 620);
});

Deno.test("base candles fed by onCandle aggregate into larger timeframes", () => {
  const ev = new StrategyEvaluator(
    compile({
      indicators: { e: { type: "SMA", period: 1, timeframe: "5m" } },
      entry: { long: { gt: ["close", "e"] } },
    }),
    { onSignal: () => {} },
  );
  for (let i = 0; i < 10; i++) ev.onCandle(candle(i, 100 + i));
  assert.equal(ev.candles("5m").length, 2);
  assert.equal(ev.value("e"), 109);
});

Deno.test("position selects rules; exit wins conflicts; pyramiding; cooldown", () => {
  const signals: Signal[] = [];
  const compiled = compile({
    entry: { long: { gt: ["close", 10] }, short: { lt: ["close", 20] } },
    exit: { long: { gt: ["close", 15] } },
    risk: { max_open_positions: 2, cooldown_candles: 2 },
  });
  const ev = new StrategyEvaluator(compiled, { onSignal: (s) => signals.push(s) });
  let i = 0;
  ev.onCandle(candle(i++, 12)); // flat, both entries true: conflict
  assert.equal(signals.length, 0);
  assert.equal(ev.stats.conflicts, 1);
  ev.onCandle(candle(i++, 25)); // entry.long only
  assert.equal(signals.at(-1)?.rule, "entry.long");
  ev.setPosition("long", 1);
  ev.onCandle(candle(i++, 12)); // pyramiding: second entry
  assert.equal(signals.at(-1)?.rule, "entry.long");
  ev.setPosition("long", 2);
  ev.onCandle(candle(i++, 12)); // full: nothing
  assert.equal(signals.length, 2);
  ev.setPosition("long", 1);
  ev.onCandle(candle(i++, 16)); // exit and entry true: exit wins
  assert.equal(signals.at(-1)?.rule, "exit.long");
  assert.equal(ev.stats.conflicts, 2);
  ev.setPosition("flat", 0);
  ev.startCooldown();
  ev.onCandle(candle(i++, 25));
  ev.onCandle(candle(i++, 25));
  assert.equal(signals.length, 3, "cooldown suppresses entries");
  ev.onCandle(candle(i++, 25));
  assert.equal(signals.length, 4);
  assert.equal(ev.stats.signals, 4);
});

Deno.test("stops, targets, trailing distance and sizing", () => {
  const pct = new StrategyEvaluator(
    compile({
      entry: { long: { gt: ["close", 1] } },
      risk: {
        stop_loss: { percent: 2 },
        take_profit: { percent: 4 },
        trailing_stop: { percent: 1 },
      },
      sizing: { type: "risk_per_trade", value: 1 },
    }),
    { onSignal: () => {} },
  );
  assert.equal(pct.stopLossPrice("long", 100), 98);
  assert.equal(pct.stopLossPrice("short", 100), 102);
  assert.equal(pct.takeProfitPrice("long", 100), 104);
  assert.equal(pct.takeProfitPrice("short", 100), 96);
  assert.equal(pct.trailingDistance(100), 1);
  assert.ok(Math.abs(pct.entryQuantity({ equity: 10_000, price: 100 }) - 50) < 1e-9);
  assert.equal(pct.entryQuantity({ equity: 10_000, price: 100, stopPrice: 90 }), 10);

  const atr = new StrategyEvaluator(
    compile({
      indicators: { atr: { type: "ATR", period: 2 } },
      entry: { long: { gt: ["close", 1] } },
      risk: { stop_loss: { atr: "atr", multiple: 3 } },
      sizing: { type: "fixed_notional", value: 1000 },
    }),
    { onSignal: () => {} },
  );
  assert.equal(atr.stopLossPrice("long", 100), undefined, "ATR not ready");
  assert.equal(atr.takeProfitPrice("long", 100), undefined, "not configured");
  atr.onCandle(candle(0, 100));
  atr.onCandle(candle(1, 100));
  assert.equal(atr.value("atr"), 2);
  assert.equal(atr.stopLossPrice("long", 100), 94);
  assert.equal(atr.entryQuantity({ equity: 1, price: 50 }), 20);
});

Deno.test("compiled plan exposes timeframes, warm-up and order plans", () => {
  const compiled = compile({
    timeframe: "1m",
    indicators: {
      slow: { type: "EMA", period: 3, timeframe: "5m" },
      e: { type: "EMA", period: 2, input: "slow" },
    },
    entry: { long: { gt: ["close", "e"] } },
    orders: { entry: { type: "limit", offset_percent: 0.1 } },
  });
  assert.deepEqual(compiled.timeframes, ["1m", "5m"]);
  assert.equal(compiled.warmupCandles, 20);
  assert.deepEqual(compiled.entryOrder, { type: "limit", offsetPercent: 0.1 });
  assert.deepEqual(compiled.exitOrder, { type: "market" });
  assert.throws(() => compileStrategy({ version: 2 } as never), TypeError);
});
