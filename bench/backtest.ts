/**
 * Backtest replay speed: one session (EMA 9/21 cross, strategies/ema_cross.yaml)
 * over simulated trades, from memory (`backtest_replay_trades_per_s`) and
 * from a recorded stream JSONL file (`backtest_file_replay_trades_per_s`), and
 * one portfolio of 20 symbols with one wallet over the same number of trades,
 * interleaved (`portfolio_20_symbols_trades_per_s`: per trade it should cost
 * no more than the single-symbol figure).
 *
 * @module
 */
import { Backtest } from "../engine/core/backtest/mod.ts";
import { resolveExecutionConfig } from "../engine/core/execution/mod.ts";
import type { Strategy } from "../engine/core/strategy/mod.ts";
import type { Trade } from "../engine/core/types.ts";
import { runBacktest } from "../engine/runtime/backtest/run.ts";
import { SimPath, toEnvelope } from "../engine/runtime/market/mod.ts";
import { validateStrategy } from "../engine/runtime/strategies.ts";
import { type Benchmark, type Figure, measure } from "./figure.ts";

/** `count` simulated trades, 250 ms apart. */
function trades(count: number): Trade[] {
  const path = new SimPath("BTCUSDT", 7);
  const out: Trade[] = [];
  const start = Date.UTC(2026, 0, 1);
  for (let i = 0; i < count; i++) out.push(path.next(start + i * 250)[0] as Trade);
  return out;
}

/** `count` simulated trades over `symbols` symbols, interleaved in time (250 ms per round). */
function portfolioTrades(count: number, symbols: number): Trade[] {
  const paths = Array.from({ length: symbols }, (_, i) => new SimPath(`SYM${i}USDT`, 7 + i));
  const out: Trade[] = [];
  const start = Date.UTC(2026, 0, 1);
  for (let i = 0; i < count; i++) {
    const round = Math.floor(i / symbols);
    out.push(paths[i % symbols].next(start + round * 250 + (i % symbols))[0] as Trade);
  }
  return out;
}

/** Trades processed per second by one backtest over in-memory events (a portfolio with `symbols`). */
function replay(strategy: Strategy, events: readonly Trade[], symbols?: string[]): number {
  const backtest = new Backtest({
    symbol: symbols?.[0] ?? "BTCUSDT",
    symbols,
    strategy,
    execution: resolveExecutionConfig({}),
  });
  const started = performance.now();
  for (let i = 0; i < events.length; i++) backtest.step(events[i]);
  const seconds = (performance.now() - started) / 1000;
  if (backtest.result().events !== events.length) {
    throw new RangeError(`backtest processed ${backtest.result().events} of ${events.length}`);
  }
  return events.length / seconds;
}

/** The backtest benchmarks. */
export const benchBacktest: Benchmark = async ({ quick }) => {
  const strategy = validateStrategy(
    await Deno.readTextFile(new URL("../strategies/ema_cross.yaml", import.meta.url)),
  );
  const events = trades(quick ? 200_000 : 1_000_000);
  replay(strategy, events.slice(0, 50_000)); // warm the JIT
  const figures: Figure[] = [
    await measure(() => replay(strategy, events), {
      name: "backtest_replay_trades_per_s",
      unit: "trades/s",
      better: "higher",
      target: 1_000_000,
    }),
  ];
  const symbols = Array.from({ length: 20 }, (_, i) => `SYM${i}USDT`);
  const mixed = portfolioTrades(events.length, symbols.length);
  replay(strategy, mixed.slice(0, 50_000), symbols);
  figures.push(
    await measure(() => replay(strategy, mixed, symbols), {
      name: "portfolio_20_symbols_trades_per_s",
      unit: "trades/s",
      better: "higher",
      target: 1_000_000,
    }),
  );
  const fileEvents = events.slice(0, quick ? 50_000 : 300_000);
  const dir = await Deno.makeTempDir();
  const file = `${dir}/BTCUSDT-stream.jsonl`;
  try {
    await Deno.writeTextFile(
      file,
      fileEvents.map((e) => JSON.stringify(toEnvelope(e))).join("\n") + "\n",
    );
    const execution = resolveExecutionConfig({});
    figures.push(
      await measure(async () => {
        const started = performance.now();
        const result = await runBacktest(file, { strategy, execution });
        return result.events / ((performance.now() - started) / 1000);
      }, { name: "backtest_file_replay_trades_per_s", unit: "trades/s", better: "higher" }),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return figures;
};

if (import.meta.main) {
  for (const figure of await benchBacktest({ quick: Deno.args.includes("--quick") })) {
    console.log(JSON.stringify(figure));
  }
}
