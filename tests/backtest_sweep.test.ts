import assert from "node:assert/strict";
import { resolveExecutionConfig } from "../engine/core/execution/mod.ts";
import { runBacktest } from "../engine/runtime/backtest/run.ts";
import { runSweep } from "../engine/runtime/backtest/sweep.ts";
import { applyTrial, parseParam, randomTrials } from "../engine/runtime/backtest/sweep_space.ts";
import { validateStrategy } from "../engine/runtime/strategies.ts";
import { runCli } from "./support/cli.ts";
import { waveTrades } from "./support/trades.ts";

const strategy = validateStrategy(
  await Deno.readTextFile(new URL("../strategies/ema_cross_fast.yaml", import.meta.url)),
);
const execution = resolveExecutionConfig({});

/** A trades CSV dump of a wave stream (µs timestamps, as current dumps). */
async function dump(dir: string): Promise<string> {
  const path = `${dir}/BTCUSDT-trades-2026-01-01.csv`;
  const rows = waveTrades({ count: 30_000, stepMs: 50 }).map((t) =>
    `${t.id},${t.price},${t.qty},${t.price * t.qty},${t.time * 1000},${t.buyerMaker},true\n`
  );
  await Deno.writeTextFile(path, rows.join(""));
  return path;
}

Deno.test("sweep params: ranges, lists and the same seed drawing the same trials", () => {
  assert.deepEqual(parseParam("risk.stop_loss.percent=1..2:0.25"), {
    path: "risk.stop_loss.percent",
    values: [1, 1.25, 1.5, 1.75, 2],
  });
  assert.deepEqual(parseParam("indicators.fast.period=3,5,8").values, [3, 5, 8]);
  assert.throws(() => parseParam("fast=5..x"), /'x' is not a number/);
  const params = [parseParam("a=1..30"), parseParam("b=1..30")];
  const first = randomTrials(params, 20, 7);
  assert.equal(new Set(first.map((t) => t.join())).size, 20, "trials are distinct");
  assert.deepEqual(randomTrials(params, 20, 7), first);
  assert.notDeepEqual(randomTrials(params, 20, 8), first);
});

Deno.test("sweep: a grid gives what separate backtests give, whatever the worker count", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const data = await dump(dir);
    const params = [
      parseParam("indicators.fast.period=2..4"),
      parseParam("indicators.slow.period=8,12"),
    ];
    const one = await runSweep({ data, strategy, params, execution, workers: 1 });
    const two = await runSweep({ data, strategy, params, execution, workers: 2 });
    assert.deepEqual(two, one);
    assert.equal(one.rows.length, 6);
    assert.equal(one.events, 30_000);
    for (const row of one.rows) {
      const applied = applyTrial(strategy, params, [
        row.values["indicators.fast.period"],
        row.values["indicators.slow.period"],
      ]);
      assert.ok(applied.ok);
      const alone = await runBacktest(data, { strategy: applied.strategy, execution });
      assert.deepEqual(row.in_sample, alone.metrics, JSON.stringify(row.values));
      assert.equal(row.score, alone.metrics.sharpe);
    }
    assert.ok(one.rows.some((r) => r.in_sample!.trade_count > 0), "some trials trade");
    const scores = one.rows.map((r) => r.score ?? -Infinity);
    assert.deepEqual(scores, [...scores].sort((a, b) => b - a), "ranked best first");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sweep: walk-forward runs each trial in and out of sample; random search is seeded", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const data = await dump(dir);
    const params = [
      parseParam("indicators.fast.period=2..6"),
      parseParam("indicators.slow.period=7..12"),
    ];
    const options = {
      data,
      strategy,
      params,
      execution,
      search: "random" as const,
      trials: 5,
      seed: 3,
      inSample: 0.7,
      objective: "total_return" as const,
    };
    const a = await runSweep(options);
    assert.deepEqual(await runSweep({ ...options, workers: 1 }), a);
    assert.equal(a.rows.length, 5);
    const start = 1_700_000_000_000, end = start + 29_999 * 50;
    assert.equal(a.split_time, start + Math.floor((end - start) * 0.7));
    const row = a.rows[0];
    const values = params.map((p) => row.values[p.path]);
    const applied = applyTrial(strategy, params, values);
    assert.ok(applied.ok);
    const out = await runBacktest(data, {
      strategy: applied.strategy,
      execution,
      from: a.split_time! + 1,
    });
    assert.deepEqual(row.out_of_sample, out.metrics);
    assert.equal(row.score, row.in_sample!.total_return);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sweep CLI: a bad parameter path exits 2 naming it; --json lists every trial", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const data = await dump(dir);
    const bad = await runCli("sweep", [
      "--strategy",
      "ema_cross_fast",
      "--data",
      data,
      "--param",
      "indicators.fats.period=2..4",
    ]);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /indicators\.fats\.period/);
    const invalid = await runCli("sweep", [
      "--strategy",
      "ema_cross_fast",
      "--data",
      data,
      "--param",
      "indicators.fast.period=0..2",
      "--json",
      "--out",
      `${dir}/out`,
    ]);
    assert.equal(invalid.code, 0, invalid.stderr);
    const result = JSON.parse(invalid.stdout);
    assert.equal(result.rows.length, 3);
    assert.equal(result.rows.filter((r: { problem?: string }) => r.problem).length, 1);
    const html = await Deno.readTextFile(`${dir}/out/sweep.html`);
    assert.match(html, /<table>/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
