/** `deno task backtest`: JSON output, report files, exit codes. */
import assert from "node:assert/strict";
import { resolveExecutionConfig } from "../engine/core/execution/mod.ts";
import { runBacktest, tradeRows } from "../engine/runtime/backtest/mod.ts";
import { validateStrategy } from "../engine/runtime/strategies.ts";
import { simStream, writeStream } from "./support/backtest_stream.ts";
import { runCli } from "./support/cli.ts";

const cli = (args: string[]) => runCli("backtest", args);

Deno.test("backtest CLI: --json, --out, windows and exit codes", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/BTCUSDT-stream.jsonl.gz`;
  const events = simStream({ durationMs: 3_600_000, seed: 5 });
  const plain = `${dir}/plain.jsonl`;
  await writeStream(plain, events);
  const gz = await Deno.open(file, { write: true, create: true });
  await (await Deno.open(plain)).readable.pipeThrough(new CompressionStream("gzip")).pipeTo(
    gz.writable,
  );
  try {
    const run = await cli([
      "--strategy",
      "ema_cross_fast",
      "--data",
      file,
      "--capital",
      "2000",
      "--taker-fee",
      "0.0004",
      "--slippage-bps",
      "1",
      "--json",
      "--out",
      `${dir}/out`,
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, "", "no progress bar when stderr is not a terminal");
    const document = JSON.parse(run.stdout);
    assert.deepEqual(Object.keys(document), ["trades", "metrics"]);
    const expected = await runBacktest(file, {
      strategy: validateStrategy(
        await Deno.readTextFile(new URL("../strategies/ema_cross_fast.yaml", import.meta.url)),
      ),
      execution: resolveExecutionConfig({
        initial_cash: 2000,
        taker_fee: 0.0004,
        slippage: { model: "fixed", bps: 1 },
      }),
    });
    assert.ok(expected.trades.length > 0);
    assert.deepEqual(document.trades, tradeRows(expected.trades));
    assert.deepEqual(document.metrics, expected.metrics);
    assert.match(document.trades[0].entry_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const csv = await Deno.readTextFile(`${dir}/out/trades.csv`);
    assert.equal(csv.trim().split("\n").length, expected.trades.length + 1);
    const html = await Deno.readTextFile(`${dir}/out/report.html`);
    assert.match(html, /aria-label="equity curve"/);
    assert.doesNotMatch(html, /<script|https?:\/\/(?!www\.w3\.org)/);

    const window = await cli([
      "--strategy",
      "ema_cross_fast",
      "--data",
      file,
      "--from",
      "2026-01-01T00:30:00Z",
      "--json",
    ]);
    assert.equal(window.code, 0, window.stderr);
    for (const trade of JSON.parse(window.stdout).trades) {
      assert.ok(trade.entry_time >= "2026-01-01T00:30:00.000Z");
    }

    const table = await cli(["--strategy", "ema_cross", "--data", file]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /Total return/);
    assert.match(table.stdout, /Sharpe/);

    const usage = await cli(["--data", file]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /usage:/);
    assert.equal(usage.stdout, "");
    assert.equal((await cli(["--strategy", "ema_cross", "--data", file, "--bogus"])).code, 2);
    assert.equal(
      (await cli(["--strategy", "ema_cross", "--data", file, "--capital", "x"])).code,
      2,
    );
    const missing = await cli(["--strategy", "ema_cross", "--data", `${dir}/none.jsonl`]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /none\.jsonl/);
    const klines = `${dir}/klines.csv`;
    await Deno.writeTextFile(klines, "1,1,2,0.5,1.5,10,2,1,1,1,1,0\n");
    const unnamed = await cli(["--strategy", "ema_cross", "--data", klines]);
    assert.equal(unnamed.code, 2, "a CSV whose name carries no symbol needs --symbol");
    assert.match(unnamed.stderr, /does not name its symbol.*--symbol/);
    const unknown = await cli(["--strategy", "no_such", "--data", file]);
    assert.equal(unknown.code, 1);
    const empty = await cli([
      "--strategy",
      "ema_cross",
      "--data",
      file,
      "--symbol",
      "ETHUSDT",
    ]);
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /ETHUSDT/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("backtest CLI: --fill-model book fills against a recording's books, and needs them", async () => {
  const dir = await Deno.makeTempDir();
  const events = simStream({ durationMs: 3_600_000, seed: 5 });
  const books = `${dir}/books.jsonl`;
  const plain = `${dir}/plain.jsonl`;
  await writeStream(books, events, { books: true });
  await writeStream(plain, events);
  const args = (data: string, model: string) => [
    "--strategy",
    "ema_cross_fast",
    "--data",
    data,
    "--fill-model",
    model,
    "--json",
  ];
  try {
    const run = await cli(args(books, "book"));
    assert.equal(run.code, 0, run.stderr);
    const expected = await runBacktest(books, {
      strategy: validateStrategy(
        await Deno.readTextFile(new URL("../strategies/ema_cross_fast.yaml", import.meta.url)),
      ),
      execution: resolveExecutionConfig({ fill_model: { book: "l2" } }),
    });
    assert.ok(expected.books > 0 && expected.trades.length > 0);
    assert.deepEqual(JSON.parse(run.stdout).trades, tradeRows(expected.trades));
    const slipped = await cli(args(books, "slippage"));
    assert.equal(slipped.code, 0, slipped.stderr);
    assert.notDeepEqual(JSON.parse(slipped.stdout).trades, JSON.parse(run.stdout).trades);

    const none = await cli(args(plain, "book"));
    assert.equal(none.code, 1);
    assert.match(none.stderr, /--fill-model book needs a recording with order books/);
    const bad = await cli(args(plain, "deep"));
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--fill-model must be book or slippage, got 'deep'/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
