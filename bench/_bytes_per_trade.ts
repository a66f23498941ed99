/**
 * Probe run by `bench/backtest.ts` in its own process: prints the bytes a warm
 * backtest allocates per trade when nothing fires, as the median heap growth
 * over windows of 5,000 trades in which no signal, order or fill happened (a
 * window in which a collection shrank the heap is left out), less what
 * measuring a window allocates itself (an empty window measured just before).
 *
 * The strategy is the EMA cross unless a file of `strategies/` is named:
 * `_bytes_per_trade.ts [strategy.yaml]`. A strategy with legs runs over its
 * legs' symbols, one with a `portfolio` block over three symbols (one wallet),
 * interleaved in time; short selling is allowed (a pairs trade's second leg).
 *
 * @module
 */
import { Backtest } from "../engine/core/backtest/mod.ts";
import { resolveExecutionConfig } from "../engine/core/execution/mod.ts";
import type { Trade } from "../engine/core/types.ts";
import { SimPath } from "../engine/runtime/market/mod.ts";
import { validateStrategy } from "../engine/runtime/strategies.ts";

const file = Deno.args[0] ?? "ema_cross.yaml";
const strategy = validateStrategy(
  await Deno.readTextFile(new URL(`../strategies/${file}`, import.meta.url)),
);
const symbols = strategy.legs?.map((leg) => leg.symbol) ??
  (strategy.portfolio ? ["BTCUSDT", "ETHUSDT", "SOLUSDT"] : ["BTCUSDT"]);

/** `count` simulated trades, 250 ms apart, taking the symbols in turn. */
function trades(count: number): Trade[] {
  const paths = symbols.map((symbol) => new SimPath(symbol, 7));
  const start = Date.UTC(2026, 0, 1);
  const out: Trade[] = [];
  for (let i = 0; i < count; i++) {
    out.push(paths[i % paths.length].next(start + i * 250)[0] as Trade);
  }
  return out;
}

const events = trades(1_000_000);
const backtest = new Backtest({
  symbol: symbols[0],
  symbols: symbols.length > 1 ? symbols : undefined,
  strategy,
  execution: resolveExecutionConfig({ allow_short: true }),
});
/** Signals, orders and fills so far (read between windows: it allocates). */
const fired = () => {
  const { signals, orders, fills } = backtest.result();
  return signals.acted + signals.ignored + orders.length + fills.length;
};
/**
 * Heap growth over trades `from` to `to` (exclusive). Every window goes
 * through this one function, so an empty window allocates just what
 * measuring does in the same (equally optimised) code.
 */
function grown(from: number, to: number): number {
  const heap = Deno.memoryUsage().heapUsed;
  for (let j = from; j < to; j++) backtest.step(events[j]);
  return Deno.memoryUsage().heapUsed - heap;
}
const warm = 200_000;
const window = 5_000;
for (let i = 0; i < warm; i += window) grown(i, i + window);
const samples: number[] = [];
let before = fired();
for (let i = warm; i + window <= events.length; i += window) {
  const measuring = grown(i, i);
  const growth = grown(i, i + window) - measuring;
  const after = fired();
  if (growth >= 0 && after === before) samples.push(growth / window);
  before = after;
}
if (samples.length === 0) throw new Error("every window fired: no quiet window to measure");
samples.sort((a, b) => a - b);
console.log(samples[samples.length >> 1]);
