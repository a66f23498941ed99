/** `/api/backtests` and the `/backtests` pages over a running service. */
import assert from "node:assert/strict";
import { resolveExecutionConfig } from "../engine/core/execution/mod.ts";
import { runBacktest } from "../engine/runtime/backtest/mod.ts";
import { validateStrategy } from "../engine/runtime/strategies.ts";
import { eventually, startTestServer } from "./support/server.ts";
import { simStream, writeStream } from "./support/backtest_stream.ts";
import { rawRequest } from "./support/raw_http.ts";
import { DATABASES } from "./support/databases.ts";
import { backtestDone, call } from "./support/api.ts";

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
    const post = (body: unknown) => call(server.url, "POST", "/api/backtests", body);
    try {
      const created = await post({
        strategy: "ema_cross_fast",
        data: "BTCUSDT-stream.jsonl",
        capital: 5_000,
        fees: { taker: 0.0005 },
        slippage: 2,
      });
      assert.equal(created.status, 201);
      const job = created.body;
      assert.ok(["queued", "running", "done"].includes(job.status));
      assert.equal(created.headers.get("location"), `/api/backtests/${job.id}`);

      const done = await backtestDone(server.url, job.id);
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
      assert.equal(missing.body.details[0].path, "data");
      const badStrategy = await post({
        strategy: "no_such_strategy",
        data: "BTCUSDT-stream.jsonl",
      });
      assert.equal(badStrategy.status, 422);
      assert.match(badStrategy.body.details[0].message, /no strategy with id/);
      const badBody = await post({
        strategy: "ema_cross",
        data: "BTCUSDT-stream.jsonl",
        capital: -1,
      });
      assert.equal(badBody.status, 400);
      assert.equal((await fetch(`${server.url}/api/backtests/nope`)).status, 404);

      const page = await (await fetch(`${server.url}/backtests`)).text();
      assert.match(page, /data-testid="backtest-form"/);
      assert.match(page, new RegExp(`/backtests/${job.id}`));
      assert.match(
        page,
        /<option value="BTCUSDT-stream\.jsonl"/,
        "the form suggests the recording",
      );
      const detail = await (await fetch(`${server.url}/backtests/${job.id}`)).text();
      assert.match(detail, /<svg[^>]+aria-label="equity curve"/);
      assert.match(detail, /<svg[^>]+aria-label="price chart with trade markers"/);
      assert.match(detail, /Win rate/);

      const form = await fetch(`${server.url}/backtests`, {
        method: "POST",
        body: new URLSearchParams({
          strategy: "ema_cross",
          data: "BTCUSDT-stream.jsonl",
          capital: "1000",
        }),
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
      await Deno.writeTextFile(`${dir}/recordings/klines.csv`, "1,1,2,0.5,1.5,10,2,1,1,1,1,0\n");
      const unnamed = await post({ strategy: "ema_cross", data: "klines.csv" });
      assert.equal(unnamed.status, 400);
      assert.equal(unnamed.body.details[0].path, "symbol");
      assert.match(unnamed.body.details[0].message, /does not name its symbol/);
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

for (const kind of DATABASES) {
  Deno.test({
    name:
      `${kind.name}: an uploaded recording is stored and backtested; a broken upload leaves nothing`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const dir = await Deno.makeTempDir();
      const backtestDir = `${dir}/mine`;
      const local = `${dir}/local.jsonl`;
      await writeStream(local, simStream({ durationMs: 1_800_000, seed: 4 }));
      const database = await kind.open();
      const server = await startTestServer({ env: { BACKTEST_DIR: backtestDir }, db: database.db });
      try {
        const uploaded = await fetch(`${server.url}/api/backtests/data?name=BTCUSDT-upload.jsonl`, {
          method: "POST",
          body: await Deno.readFile(local),
        });
        assert.equal(uploaded.status, 201);
        const stored = await uploaded.json();
        assert.match(stored.data, /^uploads\/[0-9a-f-]{36}\/BTCUSDT-upload\.jsonl$/);
        assert.equal(stored.bytes, (await Deno.stat(local)).size);
        assert.deepEqual(
          await Deno.readFile(`${backtestDir}/${stored.data}`),
          await Deno.readFile(local),
        );
        const listed = await (await fetch(`${server.url}/api/backtests/data`)).json();
        assert.deepEqual(listed.files, [stored.data]);

        const created = await call(server.url, "POST", "/api/backtests", {
          strategy: "ema_cross_fast",
          data: stored.data,
        });
        assert.equal(created.status, 201);
        const done = await backtestDone(server.url, created.body.id, 60_000);
        assert.equal(done.params.data, stored.data);
        assert.equal(done.result.data, stored.data);

        // The connection drops after 10 of 1000 announced bytes: the partial file is removed.
        const broken = rawRequest(
          server.url,
          "POST /api/backtests/data?name=broken.jsonl HTTP/1.1\r\nhost: x\r\ncontent-length: 1000",
          { body: [new TextEncoder().encode("0123456789")], timeoutMs: 2_000 },
        );
        await broken.catch(() => {}); // no answer comes: the client gives up and closes
        await eventually(async () => {
          const uploads = await Array.fromAsync(Deno.readDir(`${backtestDir}/uploads`));
          return uploads.length === 1 ? true : undefined;
        }, { what: "the broken upload's folder to be removed" });
        const after = await (await fetch(`${server.url}/api/backtests/data`)).json();
        assert.deepEqual(after.files, [stored.data]);
      } finally {
        await server.stop();
        await database.dispose();
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}
