/** `/api/backtests` and the `/backtests` pages over a running service. */
import assert from "node:assert/strict";
import { resolveExecutionConfig } from "../engine/core/execution/mod.ts";
import { runBacktest } from "../engine/runtime/backtest/mod.ts";
import { validateStrategy } from "../engine/runtime/strategies.ts";
import { eventually, startTestServer } from "./support/server.ts";
import { simStream, writeStream } from "./support/backtest_stream.ts";

Deno.test({
  name: "POST /api/backtests runs a job whose result matches the file runner",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    await Deno.mkdir(`${dir}/recordings`);
    const file = `${dir}/recordings/BTCUSDT-stream.jsonl`;
    await writeStream(file, simStream({ durationMs: 3_600_000, seed: 3 }));
    const server = await startTestServer({ env: { DATA_DIR: dir } });
    const post = (body: unknown) =>
      fetch(`${server.url}/api/backtests`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    try {
      const created = await post({
        strategy: "ema_cross_fast",
        data: "recordings/BTCUSDT-stream.jsonl",
        capital: 5_000,
        fees: { taker: 0.0005 },
        slippage: 2,
      });
      assert.equal(created.status, 201);
      const job = await created.json();
      assert.ok(["queued", "running", "done"].includes(job.status));
      assert.equal(created.headers.get("location"), `/api/backtests/${job.id}`);

      const done = await eventually(async () => {
        const body = await (await fetch(`${server.url}/api/backtests/${job.id}`)).json();
        assert.notEqual(body.status, "failed", body.error);
        return body.status === "done" ? body : undefined;
      }, { what: "the backtest job to finish" });
      assert.equal(done.progress, 1);
      const expected = await runBacktest(file, {
        strategy: validateStrategy(
          await Deno.readTextFile(new URL("../strategies/ema_cross_fast.yaml", import.meta.url)),
        ),
        execution: resolveExecutionConfig({
          initial_cash: 5_000,
          taker_fee: 0.0005,
          slippage: { model: "fixed", bps: 2 },
        }),
      });
      assert.ok(expected.trades.length > 0);
      assert.deepEqual(done.result.trades, JSON.parse(JSON.stringify(expected.trades)));
      assert.deepEqual(done.result.metrics, expected.metrics);

      const list = await (await fetch(`${server.url}/api/backtests`)).json();
      assert.equal(list.total, 1);
      assert.equal(list.backtests[0].id, job.id);
      assert.equal(list.backtests[0].result, undefined);

      const missing = await post({ strategy: "ema_cross", data: "nope.jsonl" });
      assert.equal(missing.status, 422);
      assert.equal((await missing.json()).details[0].path, "data");
      const badStrategy = await post({ strategy: "no_such_strategy", data: file });
      assert.equal(badStrategy.status, 422);
      const badBody = await post({ strategy: "ema_cross", data: file, capital: -1 });
      assert.equal(badBody.status, 400);
      assert.equal((await fetch(`${server.url}/api/backtests/nope`)).status, 404);

      const page = await (await fetch(`${server.url}/backtests`)).text();
      assert.match(page, /data-testid="backtest-form"/);
      assert.match(page, new RegExp(`/backtests/${job.id}`));
      assert.match(page, /recordings\/BTCUSDT-stream\.jsonl/);
      const detail = await (await fetch(`${server.url}/backtests/${job.id}`)).text();
      assert.match(detail, /<svg[^>]+aria-label="equity curve"/);
      assert.match(detail, /<svg[^>]+aria-label="price chart with trade markers"/);
      assert.match(detail, /Win rate/);

      const form = await fetch(`${server.url}/backtests`, {
        method: "POST",
        body: new URLSearchParams({ strategy: "ema_cross", data: file, capital: "1000" }),
        redirect: "manual",
      });
      assert.equal(form.status, 303);
      assert.match(form.headers.get("location") ?? "", /^\/backtests\/[0-9a-f-]+$/);
      const invalid = await fetch(`${server.url}/backtests`, {
        method: "POST",
        body: new URLSearchParams({ strategy: "ema_cross", data: "missing.csv" }),
      });
      assert.equal(invalid.status, 422);
      assert.match(await invalid.text(), /no such data file/);
      await eventually(async () => {
        const all = await (await fetch(`${server.url}/api/backtests`)).json();
        return all.backtests.every((b: { status: string }) => b.status === "done")
          ? true
          : undefined;
      });
    } finally {
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
