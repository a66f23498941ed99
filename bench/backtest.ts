/**
 * Backtest replay speed: one session (EMA 9/21 cross, strategies/ema_cross.yaml)
 * over simulated trades, from memory (`backtest_replay_trades_per_s`) and
 * from a columnar tape, as sweep workers replay (`backtest_tape_trades_per_s`),
 * from a recorded stream JSONL file (`backtest_file_replay_trades_per_s`) and
 * from a Binance trades CSV dump, end to end (`backtest_csv_trades_per_s`), and
 * a sweep of 100 parameter sets over that dump in 2 workers; the bytes a
 * warm backtest allocates per trade when nothing fires
 * (`backtest_bytes_per_trade`), and the memory a recorded trade takes held
 * for replays, columnar as sweep workers hold it (`recorded_trade_bytes`) and
 * as event objects (`recorded_trade_object_bytes`). One
 * portfolio of 20 symbols with one wallet over the same number of trades,
 * interleaved (`portfolio_20_symbols_trades_per_s`), should cost no more per
 * trade than the single-symbol replay.
 *
 * The in-memory and CSV figures are measured alternately with the same work
 * done by a C program (bench/reference/backtest.c, compiled with `cc -O2`;
 * `reference_c_memory_trades_per_s`, `reference_c_csv_trades_per_s`), and
 * each pair of runs gives a ratio engine ÷ C (`backtest_memory_vs_c`,
 * `backtest_csv_vs_c`): the targets are set against that C program, and the
 * ratios hold on machines whose speed varies. Each C run must give the
 * engine's trades, fills, round trips and final cash. Without a C compiler
 * those figures are skipped, saying so.
 *
 * @module
 */
import { Backtest } from "../engine/core/backtest/mod.ts";
import { resolveExecutionConfig } from "../engine/core/execution/mod.ts";
import type { Strategy } from "../engine/core/strategy/mod.ts";
import type { Trade } from "../engine/core/types.ts";
import { type FileBacktestResult, runBacktest } from "../engine/runtime/backtest/run.ts";
import { EventTape } from "../engine/runtime/backtest/event_tape.ts";
import { runSweep } from "../engine/runtime/backtest/sweep.ts";
import { parseParam } from "../engine/runtime/backtest/sweep_space.ts";
import { SimPath, toEnvelope } from "../engine/runtime/market/mod.ts";
import { validateStrategy } from "../engine/runtime/strategies.ts";
import { csvRow, simTrades } from "../fixtures/backtest_trades.ts";
import { compileReference, runReference } from "../fixtures/reference_backtest.ts";
import {
  type Benchmark,
  type Figure,
  measure,
  type MeasureOptions,
  measurePair,
  tradeRate,
} from "./figure.ts";

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

/** Trades processed per second by one backtest over a columnar tape, as sweep workers replay. */
function replayTape(strategy: Strategy, tape: EventTape): number {
  const backtest = new Backtest({
    symbol: "BTCUSDT",
    strategy,
    execution: resolveExecutionConfig({}),
  });
  const started = performance.now();
  tape.replay({
    trades: (columns, start, end) => backtest.stepTrades(columns, start, end),
    event: (event) => backtest.step(event),
  });
  const seconds = (performance.now() - started) / 1000;
  if (backtest.result().events !== tape.length) {
    throw new RangeError(`backtest processed ${backtest.result().events} of ${tape.length}`);
  }
  return tape.length / seconds;
}

/** The events on a trimmed columnar tape. */
function tapeOf(events: readonly Trade[]): EventTape {
  const tape = new EventTape();
  for (const event of events) tape.add(event);
  tape.trim();
  return tape;
}

/**
 * Bytes a warm backtest allocates per trade, measured in a process of its own
 * whose young generation is large enough that most windows see no collection
 * and whose hot code is optimised at once (a busy machine otherwise delays it).
 */
async function bytesPerTrade(): Promise<number> {
  const { stdout, success } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--max-semi-space-size=64,--no-concurrent-recompilation",
      new URL("./_bytes_per_trade.ts", import.meta.url).pathname,
    ],
    stderr: "inherit",
  }).output();
  if (!success) throw new Error("the bytes-per-trade probe failed");
  return Number(new TextDecoder().decode(stdout));
}

/** Memory per recorded trade held for replays, as objects and columnar (a process of its own). */
async function recordedTradeBytes(): Promise<{ objects: number; tape: number }> {
  const { stdout, success } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      new URL("./_bytes_per_recorded_trade.ts", import.meta.url).pathname,
    ],
    stderr: "inherit",
  }).output();
  if (!success) throw new Error("the recorded-trade memory probe failed");
  return JSON.parse(new TextDecoder().decode(stdout));
}

/** A figure of the engine, and the C reference's figure and the ratio of the two. */
interface VersusC {
  readonly engine: MeasureOptions;
  readonly c: MeasureOptions;
  readonly ratio: MeasureOptions;
}

/**
 * The engine's figure, measured alternately with the C reference's (`c`) when
 * there is one (nine runs of each), with the ratio engine ÷ C of each pair of runs.
 */
async function versusC(
  engine: () => number | Promise<number>,
  c: (() => Promise<number>) | undefined,
  options: VersusC,
): Promise<Figure[]> {
  if (c === undefined) return [await measure(engine, options.engine)];
  // Nine pairs: a C run over 1M trades in memory lasts tens of ms, and its
  // ratio to the engine's swings when other work takes the core for part of it.
  return await measurePair(engine, c, {
    a: options.engine,
    b: options.c,
    ratio: options.ratio,
    runs: 9,
  });
}

/**
 * A run of the C reference over `csv`, checked against the engine's result
 * over the same file (the ratios compare the same work only while they agree).
 */
function referenceRun(
  binary: string,
  csv: string,
  engine: FileBacktestResult,
): (mode: "csv" | "memory") => Promise<number> {
  return async (mode) => {
    // In memory a C pass over 1M trades lasts tens of ms: the median of five steadies it.
    const c = await runReference(binary, mode, csv, mode === "memory" ? 5 : 1);
    const got = [c.trades, c.fills, c.round_trips, c.final_cash];
    const want = [engine.events, engine.fills.length, engine.trades.length, engine.final.cash];
    if (got.some((x, i) => x !== want[i])) {
      throw new RangeError(
        `the C reference (${mode}) disagrees with the engine: trades, fills, round trips, ` +
          `final cash ${got.join(", ")} against ${want.join(", ")}`,
      );
    }
    return c.trades_per_s.toSorted((a, b) => a - b)[c.trades_per_s.length >> 1];
  };
}

/** The backtest benchmarks. */
export const benchBacktest: Benchmark = async ({ quick, skip }) => {
  const strategy = validateStrategy(
    await Deno.readTextFile(new URL("../strategies/ema_cross.yaml", import.meta.url)),
  );
  const execution = resolveExecutionConfig({});
  const events = simTrades(quick ? 200_000 : 1_000_000);
  const dir = await Deno.makeTempDir();
  try {
    const csv = `${dir}/BTCUSDT-trades-2026-01.csv`;
    await Deno.writeTextFile(csv, events.map(csvRow).join(""));
    const binary = await compileReference(dir);
    if (binary === undefined) {
      (skip ?? console.error)("the C reference figures: no C compiler (cc) on this machine");
    }
    const reference = binary === undefined
      ? undefined
      : referenceRun(binary, csv, await runBacktest(csv, { strategy, execution }));
    // One unmeasured run over the same events first: the optimising compiler has
    // then seen every path they take (fills, chart compactions) and each sample
    // measures the steady loop (after only 50k trades, the first samples still
    // ran code it was re-optimising).
    replay(strategy, events);
    const figures: Figure[] = await versusC(
      () => replay(strategy, events),
      reference && (() => reference("memory")),
      {
        engine: tradeRate("backtest_replay_trades_per_s", 30_000_000),
        c: tradeRate("reference_c_memory_trades_per_s"),
        // 30M trades/s against the C program's 82M where the target was set.
        ratio: { name: "backtest_memory_vs_c", unit: "ratio", better: "higher", target: 0.37 },
      },
    );
    const tape = tapeOf(events);
    replayTape(strategy, tape);
    figures.push(
      await measure(() => replayTape(strategy, tape), tradeRate("backtest_tape_trades_per_s")),
    );
    const symbols = Array.from({ length: 20 }, (_, i) => `SYM${i}USDT`);
    const mixed = portfolioTrades(events.length, symbols.length);
    replay(strategy, mixed, symbols);
    figures.push(
      await measure(
        () => replay(strategy, mixed, symbols),
        tradeRate("portfolio_20_symbols_trades_per_s", 1_000_000),
      ),
    );
    figures.push(
      await measure(bytesPerTrade, {
        name: "backtest_bytes_per_trade",
        unit: "B/trade",
        better: "lower",
        target: 0,
      }),
    );
    const held: { objects: number; tape: number }[] = [];
    figures.push(
      await measure(async () => (held[held.length] = await recordedTradeBytes()).tape, {
        name: "recorded_trade_bytes",
        unit: "B/trade",
        better: "lower",
        target: 40,
      }),
      await measure(() => held.shift()!.objects, {
        name: "recorded_trade_object_bytes",
        unit: "B/trade",
        better: "lower",
      }),
    );
    const fileEvents = events.slice(0, quick ? 50_000 : 300_000);
    const file = `${dir}/BTCUSDT-stream.jsonl`;
    await Deno.writeTextFile(
      file,
      fileEvents.map((e) => JSON.stringify(toEnvelope(e))).join("\n") + "\n",
    );
    const speed = async (path: string) => {
      const started = performance.now();
      const result = await runBacktest(path, { strategy, execution });
      return result.events / ((performance.now() - started) / 1000);
    };
    figures.push(
      await measure(() => speed(file), tradeRate("backtest_file_replay_trades_per_s")),
    );
    figures.push(
      ...await versusC(() => speed(csv), reference && (() => reference("csv")), {
        engine: tradeRate("backtest_csv_trades_per_s", 4_500_000),
        c: tradeRate("reference_c_csv_trades_per_s"),
        ratio: { name: "backtest_csv_vs_c", unit: "ratio", better: "higher", target: 0.25 },
      }),
    );
    const params = [
      parseParam("indicators.fast.period=5..14"),
      parseParam("indicators.slow.period=20..38:2"),
    ];
    figures.push(
      await measure(async () => {
        const started = performance.now();
        const result = await runSweep({ data: csv, strategy, params, execution, workers: 2 });
        if (result.rows.length !== 100) throw new RangeError(`${result.rows.length} trials`);
        return (performance.now() - started) / 1000;
      }, {
        name: `sweep_100_sets_${events.length / 1e6}m_trades_2_workers_s`,
        unit: "s",
        better: "lower",
        target: 10,
      }),
    );
    return figures;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
};

if (import.meta.main) {
  for (const figure of await benchBacktest({ quick: Deno.args.includes("--quick") })) {
    console.log(JSON.stringify(figure));
  }
}
