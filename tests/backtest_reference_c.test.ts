/**
 * The C reference backtest of the benchmarks (bench/reference/backtest.c)
 * does the engine's work: over the bench's simulated trades written as a
 * Binance trades CSV, it gives the engine's trades, fills, round trips, final
 * cash and the sum of the round trips' profit and loss, to the bit, from the
 * file and from memory, and it drops the rows the engine's validation drops.
 *
 * It needs a C compiler (`cc`). Without one the test fails and says so rather
 * than skipping: the bench's engine ÷ C ratios are only as good as this check,
 * and CI has gcc.
 */
import assert from "node:assert/strict";
import { Backtest } from "../engine/core/backtest/mod.ts";
import { resolveExecutionConfig } from "../engine/core/execution/mod.ts";
import type { BacktestResult } from "../engine/core/backtest/mod.ts";
import { runBacktest } from "../engine/runtime/backtest/run.ts";
import { validateStrategy } from "../engine/runtime/strategies.ts";
import { csvRow, simTrades } from "../fixtures/backtest_trades.ts";
import {
  compileReference,
  type ReferenceResult,
  runReference,
} from "../fixtures/reference_backtest.ts";

const strategy = validateStrategy(
  await Deno.readTextFile(new URL("../strategies/ema_cross.yaml", import.meta.url)),
);
const execution = resolveExecutionConfig({});

/** What both must agree on. */
function outcome(r: BacktestResult) {
  return {
    trades: r.events,
    fills: r.fills.length,
    round_trips: r.trades.length,
    final_cash: r.final.cash,
    pnl: r.trades.reduce((sum, t) => sum + t.pnl, 0),
  };
}

function outcomeOf(c: ReferenceResult) {
  const { trades, fills, round_trips, final_cash, pnl } = c;
  return { trades, fills, round_trips, final_cash, pnl };
}

/** Runs `check` with the compiled reference and a temporary directory. */
async function withReference(check: (binary: string, dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    const binary = await compileReference(dir);
    assert.ok(
      binary,
      "no C compiler: this test compiles bench/reference/backtest.c with `cc` (install gcc)",
    );
    await check(binary, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("the C reference gives the engine's fills and final cash to the bit, from a file and from memory", async () => {
  await withReference(async (binary, dir) => {
    const events = simTrades(400_000);
    const csv = `${dir}/BTCUSDT-trades-2026-01.csv`;
    await Deno.writeTextFile(csv, events.map(csvRow).join(""));
    const engine = outcome(await runBacktest(csv, { strategy, execution }));
    const inMemory = new Backtest({ symbol: "BTCUSDT", strategy, execution });
    for (const event of events) inMemory.step(event);
    assert.deepEqual(outcome(inMemory.result()), engine, "the engine from memory and from CSV");
    assert.equal(engine.trades, events.length);
    assert.ok(engine.fills >= 60, `enough fills to compare: ${engine.fills}`);
    for (const mode of ["csv", "memory"] as const) {
      const c = await runReference(binary, mode, csv, 2);
      assert.deepEqual(outcomeOf(c), engine, `the C reference (${mode})`);
      assert.equal(c.dropped, 0);
      assert.equal(c.trades_per_s.length, 2);
      assert.ok(c.trades_per_s.every((x) => x > 0), `rates ${c.trades_per_s}`);
    }
  });
});

Deno.test("the C reference drops the rows the engine's validation drops", async () => {
  await withReference(async (binary, dir) => {
    const rows = simTrades(60_000).map(csvRow);
    const at = (i: number) => rows[i].split(",");
    const row = (fields: string[]) => fields.join(",");
    const bad = [
      rows[30_000], // a duplicate id
      row([String(29_000), ...at(30_000).slice(1)]), // an id out of order
      row([String(30_001), at(30_000)[1], "0", ...at(30_000).slice(3)]), // no quantity
      row([String(30_002), "-5", ...at(30_000).slice(2)]), // a negative price
      row([...at(30_000).slice(0, 4), String(Number(at(30_000)[4]) - 6_000_000)].concat(
        at(30_000).slice(5),
      )).replace(/^\d+/, "30003"), // 6 s back
      "30004,12x,1,1,1,true,true\n", // not a number
    ];
    const lines = [...rows.slice(0, 30_001), ...bad, ...rows.slice(30_001)];
    const csv = `${dir}/BTCUSDT-trades-2026-01.csv`;
    // The last row without its newline.
    await Deno.writeTextFile(csv, lines.join("").slice(0, -1));
    const result = await runBacktest(csv, { strategy, execution });
    const dropped = Object.values(result.dropped).reduce((a, b) => a + b, 0);
    assert.equal(result.events, 60_000);
    assert.deepEqual(result.dropped, {
      duplicate: 1,
      out_of_order: 1,
      non_positive: 2,
      time_backwards: 1,
      invalid_number: 1,
    });
    assert.equal(dropped, bad.length);
    const c = await runReference(binary, "csv", csv);
    assert.deepEqual(outcomeOf(c), outcome(result));
    assert.equal(c.dropped, dropped);
  });
});
