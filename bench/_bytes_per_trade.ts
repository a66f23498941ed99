/**
 * Probe run by `bench/backtest.ts` in its own process: prints the bytes a warm
 * backtest allocates per trade when nothing fires, as the median heap growth
 * over windows of 5,000 trades in which no signal, order or fill happened (a
 * window in which a collection shrank the heap is left out), less what
 * measuring a window allocates itself.
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
/** Heap growth of a window with no trades in it: what measuring itself allocates. */
function overhead(): number {
  const grown: number[] = [];
  for (let i = 0; i < 51; i++) {
    const heap = Deno.memoryUsage().heapUsed;
    grown.push(Deno.memoryUsage().heapUsed - heap);
  }
  return grown.sort((a, b) => a - b)[grown.length >> 1];
}
const warm = 200_000;
for (let i = 0; i < warm; i++) backtest.step(events[i]);
const window = 5_000;
const measuring = overhead();
const samples: number[] = [];
let before = fired();
for (let i = warm; i + window <= events.length; i += window) {
  const heap = Deno.memoryUsage().heapUsed;
  for (let j = i; j < i + window; j++) backtest.step(events[j]);
  const grown = Deno.memoryUsage().heapUsed - heap - measuring;
  const after = fired();
  if (grown >= 0 && after === before) samples.push(grown / window);
  before = after;
}
if (samples.length === 0) throw new Error("every window fired: no quiet window to measure");
samples.sort((a, b) => a - b);
console.log(samples[samples.length >> 1]);
