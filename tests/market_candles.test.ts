/**
 * One candle rule: the core's candle aggregator, and the two paths built on
 * it (a session's strategy and the main thread's market cache) fed the same
 * trades give the same candles.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { CandleAggregator } from "../engine/core/market/candle_aggregator.ts";
import { resolveExecutionConfig } from "../engine/core/execution/mod.ts";
import { SessionCore } from "../engine/core/session/mod.ts";
import { parseStrategy, StrategyEvaluator } from "../engine/core/strategy/mod.ts";
import { compileStrategy } from "../engine/core/strategy/mod.ts";
import type { Candle, Timeframe, Trade } from "../engine/core/types.ts";
import { MarketCache } from "../engine/runtime/market/cache.ts";
import { tradeOf } from "./support/trades.ts";

const SYMBOL = "BTCUSDT";
const T0 = Date.UTC(2026, 0, 1);

function trade(id: number, time: number, price: number, qty = 1): Trade {
  return tradeOf({ symbol: SYMBOL, id, price, qty, time });
}

/** A strategy on `timeframe` with one indicator on each of `higher`. */
function strategy(timeframe: Timeframe, higher: Timeframe[]) {
  const indicators = Object.fromEntries(
    higher.map((tf, i) => [`e${i}`, { type: "EMA", period: 2, timeframe: tf }]),
  );
  const parsed = parseStrategy({
    version: 1,
    name: `candles-${timeframe}`,
    timeframe,
    indicators,
    entry: { long: { gt: ["close", "e0"] } },
    exit: { long: { lt: ["close", "e0"] } },
    sizing: { type: "percent_of_equity", value: 10 },
  });
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.errors));
  return parsed.strategy;
}

Deno.test("aggregator: epoch-aligned buckets, earliest open, latest close, sum of volume", () => {
  const a = new CandleAggregator("1m");
  assert.equal(a.ms, 60_000);
  assert.equal(a.fold(T0 + 30_000, 10, 10, 10, 10, 1), true);
  assert.deepEqual([a.forming, a.openTime, a.closeTime], [true, T0, T0 + 59_999]);
  a.fold(T0 + 40_000, 12, 12, 12, 12, 2);
  a.fold(T0 + 20_000, 9, 9, 9, 9, 3); // earlier within the bucket: the new open
  a.fold(T0 + 40_000, 11, 11, 11, 11, 4); // same time as the latest: the last folded closes
  assert.deepEqual(
    a.candle(SYMBOL, false),
    {
      type: "candle",
      symbol: SYMBOL,
      timeframe: "1m",
      openTime: T0,
      closeTime: T0 + 59_999,
      open: 9,
      high: 12,
      low: 9,
      close: 11,
      volume: 10,
      closed: false,
    },
  );
  const negative = new CandleAggregator("1m");
  negative.fold(-1, 5, 5, 5, 5, 1);
  assert.deepEqual([negative.openTime, negative.closeTime], [-60_000, -1], "before the epoch");
});

Deno.test("aggregator: late moves are ignored; a move after the candle must close it first", () => {
  const a = new CandleAggregator("1m");
  a.fold(T0 + 61_000, 10, 10, 10, 10, 1);
  assert.equal(a.isLate(T0 + 59_000), true, "before the forming candle");
  assert.equal(a.fold(T0 + 59_000, 1, 1, 1, 1, 1), false);
  assert.equal(a.endsBefore(T0 + 119_999), false);
  assert.equal(a.endsBefore(T0 + 120_000), true);
  assert.throws(() => a.fold(T0 + 120_000, 1, 1, 1, 1, 1), RangeError);
  a.closeForming();
  assert.equal(a.forming, false);
  assert.equal(a.close, 10, "fields stay readable after closing");
  assert.equal(a.fold(T0 + 100_000, 1, 1, 1, 1, 1), false, "within the closed candle");
  assert.equal(a.isLate(NaN), true, "non-finite times are late");
  a.seal(T0 + 179_999); // a candle taken from elsewhere
  assert.equal(a.fold(T0 + 150_000, 1, 1, 1, 1, 1), false, "within a sealed candle");
  assert.equal(a.fold(T0 + 180_000, 7, 7, 7, 7, 1), true);
  a.discard();
  assert.equal(a.forming, false);
  assert.equal(a.fold(T0 + 200_000, 8, 8, 8, 8, 1), true, "a discarded candle is not sealed");
  assert.equal(a.open, 8);
});

Deno.test("evaluator: after warm-up candles, trades within them are late in every timeframe", () => {
  const ev = new StrategyEvaluator(compileStrategy(strategy("1m", ["5m"])), { onSignal: () => {} });
  for (let i = 0; i < 7; i++) {
    ev.onCandle({
      type: "candle",
      symbol: SYMBOL,
      timeframe: "1m",
      openTime: T0 + i * 60_000,
      closeTime: T0 + i * 60_000 + 59_999,
      open: 100,
      high: 101,
      low: 99,
      close: 100,
      volume: 1,
      closed: true,
    });
  }
  ev.onTrade(trade(1, T0 + 6 * 60_000 + 30_000, 500, 9)); // inside the last warm candle
  ev.onTrade(trade(2, T0 + 7 * 60_000 + 1, 100, 1));
  ev.closeCandles(T0 + 10 * 60_000);
  const fiveMinutes = ev.candles("5m");
  assert.equal(fiveMinutes.length, 2);
  assert.deepEqual(
    [fiveMinutes[1].high, fiveMinutes[1].volume],
    [101, 3],
    "the 5m candle holds warm candles 5 and 6 and the later trade, not the late one",
  );
  assert.equal(ev.candles("1m").at(-1)?.high, 100, "the late trade formed no 1m candle");
});

Deno.test("cache: history makes trades within it late; klines, once they come, replace trades", () => {
  const cache = new MarketCache({ timeframes: ["1m"] });
  const kline = (minute: number, close: number, closed: boolean): Candle => ({
    type: "candle",
    symbol: SYMBOL,
    timeframe: "1m",
    openTime: T0 + minute * 60_000,
    closeTime: T0 + minute * 60_000 + 59_999,
    open: 100,
    high: Math.max(100, close),
    low: Math.min(100, close),
    close,
    volume: 5,
    closed,
  });
  /** The forming 1m candle (the cache always keeps 1h too). */
  const forming = () => cache.forming(SYMBOL).filter((c) => c.timeframe === "1m");
  cache.seed(SYMBOL, "1m", [kline(0, 101, true), kline(1, 102, true)]);
  cache.apply(trade(1, T0 + 90_000, 500)); // within the last history candle
  assert.deepEqual(forming(), [], "a late trade forms nothing");
  cache.apply(trade(2, T0 + 120_500, 103, 2));
  cache.apply(trade(3, T0 + 121_000, 104, 3));
  const [formed] = forming();
  assert.deepEqual(
    [formed.openTime, formed.open, formed.high, formed.close, formed.volume, formed.closed],
    [T0 + 120_000, 103, 104, 104, 5, false],
  );
  cache.apply(kline(2, 99, false)); // the exchange's kline replaces the trade-built candle
  assert.deepEqual(forming(), [kline(2, 99, false)]);
  cache.apply(trade(4, T0 + 122_000, 1_000));
  assert.deepEqual(forming(), [kline(2, 99, false)], "trades no longer count");
  cache.apply(kline(2, 98, true));
  assert.deepEqual(forming(), []);
  assert.deepEqual(
    cache.candles(SYMBOL, "1m", 10).map((c) => [c.openTime, c.close, c.closed]),
    [[T0, 101, true], [T0 + 60_000, 102, true], [T0 + 120_000, 98, true]],
  );
});

/** Steps between trades: mostly forward, with duplicates, up to 5 s back (what validation lets through) and quiet gaps. */
const step = fc.oneof(
  { weight: 10, arbitrary: fc.integer({ min: 1, max: 1_500 }) },
  { weight: 2, arbitrary: fc.constant(0) },
  { weight: 2, arbitrary: fc.integer({ min: -5_000, max: -1 }) },
  { weight: 1, arbitrary: fc.integer({ min: 60_000, max: 3 * 3_600_000 }) },
);
const tape = fc.array(
  fc.record({
    step,
    cents: fc.integer({ min: 9_000, max: 11_000 }),
    qty: fc.integer({ min: 1, max: 5_000 }).map((q) => q / 1000),
  }),
  { minLength: 1, maxLength: 300 },
).map((rows) => {
  let time = T0 + 17;
  return rows.map((row, i) => {
    time += row.step;
    return trade(i + 1, time, row.cents / 100, row.qty);
  });
});

const PATHS: { base: Timeframe; higher: Timeframe[] }[] = [
  { base: "1s", higher: ["1m", "5m"] },
  { base: "1m", higher: ["5m", "15m", "1h"] },
];

Deno.test("the strategy's candles and the market cache's agree on the same trades", () => {
  for (const { base, higher } of PATHS) {
    const timeframes = [base, ...higher];
    const setup = {
      symbol: SYMBOL,
      strategy: strategy(base, higher),
      execution: resolveExecutionConfig({}),
    };
    fc.assert(
      fc.property(tape, (trades) => {
        const core = new SessionCore(setup);
        const cache = new MarketCache({ timeframes });
        for (const t of trades) {
          core.step(t, []);
          cache.apply(t);
        }
        const formed: Candle[][] = [];
        for (const tf of timeframes) {
          const all = cache.candles(SYMBOL, tf, 1_000);
          const closed = all.filter((c) => c.closed);
          assert.deepEqual(core.candles(tf), closed, `${tf} closed candles`);
          formed.push([
            ...closed,
            ...all.filter((c) => !c.closed).map((c) => ({ ...c, closed: true })),
          ]);
        }
        // The clock closes the strategy's forming candles: they are the cache's forming ones.
        core.closeCandles(Math.max(...trades.map((t) => t.time)) + 86_400_000, []);
        timeframes.forEach((tf, i) => {
          assert.deepEqual(
            core.candles(tf),
            formed[i],
            `${tf} candles after the clock closes them`,
          );
          assert.ok(formed[i].length > 0, `${tf} has candles`);
        });
      }),
      { numRuns: 60 },
    );
  }
});
