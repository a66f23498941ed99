/**
 * Strategy benchmarks. The evaluator (EMA 9/21 cross, the default strategy):
 * candle evaluations per second, per-trade cost of onTrade, and the per-tick
 * cost of incremental evaluation against recomputing the same indicators over
 * a 500-candle window with `technicalindicators`. Validation: the time to
 * validate hostile and large documents, and how long the main thread is held
 * while documents are validated in the service's worker.
 *
 * @module
 */

import { EMA } from "technicalindicators";
import { compileStrategy, parseStrategy, StrategyEvaluator } from "../engine/core/strategy/mod.ts";
import type { Candle, Trade } from "../engine/core/types.ts";
import { StrategyValidator } from "../engine/runtime/strategy_validator.ts";
import { chainYaml, largeYaml, limitStrategy } from "../fixtures/strategy_documents.ts";
import { type Benchmark, measure } from "./figure.ts";

const EMA_CROSS = {
  version: 1,
  name: "bench-ema-cross",
  timeframe: "1m",
  indicators: { fast: { type: "EMA", period: 9 }, slow: { type: "EMA", period: 21 } },
  entry: { long: { crosses_above: ["fast", "slow"] } },
  exit: { long: { crosses_below: ["fast", "slow"] } },
  sizing: { type: "percent_of_equity", value: 50 },
};

function evaluator(): StrategyEvaluator {
  const parsed = parseStrategy(EMA_CROSS);
  if (!parsed.ok) {
    throw new TypeError(`benchmark strategy invalid: ${JSON.stringify(parsed.errors)}`);
  }
  const ev: StrategyEvaluator = new StrategyEvaluator(compileStrategy(parsed.strategy), {
    onSignal: (s) => ev.setPosition(s.kind === "entry" ? "long" : "flat", 1),
  });
  return ev;
}

function prices(count: number): Float64Array {
  const out = new Float64Array(count);
  let p = 100;
  for (let i = 0; i < count; i++) {
    out[i] = p *= 1 + 0.001 * Math.sin(i / 17) + 0.0007 * Math.sin(i / 3.1);
  }
  return out;
}

function candles(count: number): Candle[] {
  return Array.from(prices(count), (close, i) => ({
    type: "candle",
    symbol: "BENCH",
    timeframe: "1m",
    openTime: i * 60_000,
    closeTime: i * 60_000 + 59_999,
    open: close,
    high: close * 1.001,
    low: close * 0.999,
    close,
    volume: 1,
    closed: true,
  }));
}

/** Keeps the naive loop's result observable so it is not optimised away. */
let crossSink = 0;

/** Candle evaluations per second through onCandle. */
function candlesPerSecond(count: number): number {
  const input = candles(count);
  const ev = evaluator();
  const start = performance.now();
  for (let i = 0; i < input.length; i++) ev.onCandle(input[i]);
  return count / ((performance.now() - start) / 1000);
}

/** Nanoseconds per trade through onTrade (100 trades per 1m candle). */
function nsPerTrade(count: number): number {
  const p = prices(count);
  const trades: Trade[] = Array.from(p, (price, i) => ({
    type: "trade",
    symbol: "BENCH",
    id: i,
    price,
    qty: 1,
    time: i * 600,
    buyerMaker: false,
  }));
  const ev = evaluator();
  const start = performance.now();
  for (let i = 0; i < trades.length; i++) ev.onTrade(trades[i]);
  return (performance.now() - start) * 1e6 / count;
}

/**
 * naive / ours: per tick, the naive way recomputes EMA 9 and 21 over the last
 * 500 closes and checks the cross; ours updates both incrementally and
 * evaluates the rule (one onCandle).
 */
function naiveRatio(ticks: number): number {
  const closes = Array.from(prices(500 + ticks));
  let crosses = 0;
  const naiveStart = performance.now();
  for (let t = 0; t < ticks; t++) {
    const values = closes.slice(t, t + 500);
    const fast = EMA.calculate({ period: 9, values });
    const slow = EMA.calculate({ period: 21, values });
    const f = fast.length - 1, s = slow.length - 1;
    if (fast[f - 1] <= slow[s - 1] && fast[f] > slow[s]) crosses++;
  }
  const naive = (performance.now() - naiveStart) / ticks;
  const input = candles(500 + ticks * 100);
  const ev = evaluator();
  for (let i = 0; i < 500; i++) ev.onCandle(input[i]);
  const oursStart = performance.now();
  for (let i = 500; i < input.length; i++) ev.onCandle(input[i]);
  const ours = (performance.now() - oursStart) / (ticks * 100);
  crossSink += crosses;
  return naive / ours;
}

/** Milliseconds `parseStrategy` takes for a document (on the calling thread). */
function validationMs(document: unknown): number {
  const start = performance.now();
  parseStrategy(document);
  return performance.now() - start;
}

/**
 * The longest gap (ms) between ticks of a 1 ms timer on the main thread while
 * a validator validates `count` large documents in its worker.
 */
async function mainThreadLagMs(validator: StrategyValidator, count: number): Promise<number> {
  const document = largeYaml();
  let last = performance.now();
  let worst = 0;
  const tick = () => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  };
  const timer = setInterval(tick, 1);
  try {
    await Promise.all(Array.from({ length: count }, () => validator.validate({ document })));
  } finally {
    clearInterval(timer);
    tick();
  }
  return worst;
}

/** Validation figures: a refused 1000-link chain, the largest valid documents, main-thread lag. */
async function validationFigures(quick: boolean) {
  const chain = chainYaml(1000);
  const large = largeYaml();
  const atLimits = JSON.stringify(limitStrategy());
  for (const document of [chain, large, atLimits]) validationMs(document); // warm up
  const validator = new StrategyValidator();
  try {
    await mainThreadLagMs(validator, 1); // start the worker
    return [
      await measure(() => validationMs(chain), {
        name: "strategy_validate_1000_link_chain_ms",
        unit: "ms",
        better: "lower",
      }),
      await measure(() => validationMs(large), {
        name: "strategy_validate_50kb_document_ms",
        unit: "ms",
        better: "lower",
      }),
      await measure(() => validationMs(atLimits), {
        name: "strategy_validate_document_at_limits_ms",
        unit: "ms",
        better: "lower",
      }),
      await measure(() => mainThreadLagMs(validator, quick ? 2 : 8), {
        name: "strategy_validation_main_thread_lag_ms",
        unit: "ms",
        better: "lower",
      }),
    ];
  } finally {
    validator.close();
  }
}

/** The strategy benchmark: candle evaluation rate, trade cost, the naive-recompute ratio and validation. */
export const benchStrategy: Benchmark = async ({ quick }) => {
  const n = quick ? 200_000 : 2_000_000;
  candlesPerSecond(n / 4); // warm up the JIT
  nsPerTrade(n / 4);
  return [
    await measure(() => candlesPerSecond(n), {
      name: "strategy_eval_candles_per_s",
      unit: "candles/s",
      better: "higher",
      target: 1_000_000,
    }),
    await measure(() => naiveRatio(quick ? 300 : 2_000), {
      name: "strategy_tick_cost_vs_naive_ratio",
      unit: "x",
      better: "higher",
      target: 100,
    }),
    await measure(() => nsPerTrade(n), {
      name: "strategy_tick_ns",
      unit: "ns/trade",
      better: "lower",
    }),
    ...await validationFigures(quick),
  ];
};

if (import.meta.main) console.log(await benchStrategy({ quick: Deno.args.includes("--quick") }));
