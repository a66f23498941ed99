/**
 * Probe run by `bench/backtest.ts` in its own process: prints the bytes a warm
 * backtest (EMA cross) allocates per trade, as the median heap growth over
 * windows of 20,000 trades (a window in which a collection shrank the heap is
 * left out).
 *
 * @module
 */
import { Backtest } from "../engine/core/backtest/mod.ts";
import { resolveExecutionConfig } from "../engine/core/execution/mod.ts";
import { validateStrategy } from "../engine/runtime/strategies.ts";
import { trades } from "./backtest.ts";

const strategy = validateStrategy(
  await Deno.readTextFile(new URL("../strategies/ema_cross.yaml", import.meta.url)),
);
const events = trades(1_000_000);
const backtest = new Backtest({
  symbol: "BTCUSDT",
  strategy,
  execution: resolveExecutionConfig({}),
});
const warm = 200_000;
for (let i = 0; i < warm; i++) backtest.step(events[i]);
const window = 20_000;
const samples: number[] = [];
for (let i = warm; i + window <= events.length; i += window) {
  const before = Deno.memoryUsage().heapUsed;
  for (let j = i; j < i + window; j++) backtest.step(events[j]);
  const grown = Deno.memoryUsage().heapUsed - before;
  if (grown >= 0) samples.push(grown / window);
}
samples.sort((a, b) => a - b);
console.log(samples[samples.length >> 1]);
