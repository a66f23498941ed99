/**
 * Probe run by `bench/backtest.ts` in its own process: prints the bytes a warm
 * backtest (EMA cross) allocates per trade when nothing fires, as the median
 * heap growth over windows of 5,000 trades in which no signal, order or fill
 * happened (a window in which a collection shrank the heap is left out).
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
/** Signals, orders and fills so far (read between windows: it allocates). */
const fired = () => {
  const { signals, orders, fills } = backtest.result();
  return signals.acted + signals.ignored + orders.length + fills.length;
};
const warm = 200_000;
for (let i = 0; i < warm; i++) backtest.step(events[i]);
const window = 5_000;
const samples: number[] = [];
let before = fired();
for (let i = warm; i + window <= events.length; i += window) {
  const heap = Deno.memoryUsage().heapUsed;
  for (let j = i; j < i + window; j++) backtest.step(events[j]);
  const grown = Deno.memoryUsage().heapUsed - heap;
  const after = fired();
  if (grown >= 0 && after === before) samples.push(grown / window);
  before = after;
}
if (samples.length === 0) throw new Error("every window fired: no quiet window to measure");
samples.sort((a, b) => a - b);
console.log(samples[samples.length >> 1]);
