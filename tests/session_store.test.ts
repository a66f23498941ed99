import assert from "node:assert/strict";
import { SessionLog, SessionTable } from "../db/stores/mod.ts";
import { resolveExecutionConfig } from "../engine/core/execution/mod.ts";
import { type StatusChange, transition } from "../engine/core/session/mod.ts";
import { parseStrategy } from "../engine/core/strategy/mod.ts";
import { loadConfig } from "../engine/runtime/config.ts";
import { ConflictError } from "../engine/runtime/errors.ts";
import { startService } from "../engine/runtime/service.ts";
import { DATABASES } from "./support/databases.ts";

const parsed = parseStrategy(
  await Deno.readTextFile(new URL("../strategies/ema_cross_fast.yaml", import.meta.url)),
);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
const strategy = parsed.strategy;

/** A legal transition, or the test fails saying why not. */
function legal(from: Parameters<typeof transition>[0], event: Parameters<typeof transition>[1]) {
  const change = transition(from, event);
  if (!change.ok) throw new Error(change.reason);
  return change satisfies StatusChange;
}

function newSession(id: string) {
  return {
    id,
    strategyId: null,
    name: strategy.name,
    source: "inline",
    symbol: "BTCUSDT",
    options: { execution: resolveExecutionConfig({ initial_cash: 10_000 }), strategy },
    feed: "sim",
    simulated: true,
    idempotencyKey: null,
    requestDigest: null,
  };
}

for (const kind of DATABASES) {
  Deno.test(`${kind.name}: a status change is stored from its transition, keeping the error and restarts on record`, async () => {
    const { db, dispose } = await kind.open();
    try {
      const table = new SessionTable(db);
      const id = crypto.randomUUID();
      assert.equal(await table.insert(newSession(id)), true);
      assert.equal((await table.get(id))?.status, "starting");

      await new SessionLog(db).commit([{
        sessionId: id,
        firstSeq: 1,
        effects: [],
        status: { change: legal("running", "fail"), lastError: "boom", restarts: 6 },
      }]);
      const failed = await table.get(id);
      assert.equal(failed?.status, "failed");
      assert.equal(failed?.last_error, "boom");
      assert.equal(failed?.restarts, 6);

      await table.setStatus(id, legal("failed", "stop"));
      const stopped = await table.get(id);
      assert.equal(stopped?.status, "stopped");
      assert.equal(stopped?.last_error, "boom", "the last error stays on record");
      assert.equal(stopped?.restarts, 6, "restarts stay on record");
    } finally {
      await dispose();
    }
  });

  Deno.test(`${kind.name}: sessions without a worker change status through the table: an unfinished stop ends at restore, a failed one stops, a stopped one refuses`, async () => {
    const { db, dispose } = await kind.open();
    const service = await startService(loadConfig({ FEED: "sim", DEMO_SESSION: "false" }), { db });
    try {
      const table = new SessionTable(db);
      const [stopping, failed] = [crypto.randomUUID(), crypto.randomUUID()];
      await table.insert(newSession(stopping));
      await table.insert(newSession(failed));
      await table.setStatus(stopping, legal("running", "stop"));
      await table.setStatus(failed, legal("running", "fail"));

      const restored = await service.restore();
      assert.equal(restored.total, 1, "only the unfinished stop was active");
      assert.equal(restored.restored, 1);
      assert.equal((await table.get(stopping))?.status, "stopped");
      assert.equal(service.supervisor.get(stopping), undefined, "a finished stop gets no worker");

      const summary = await service.sessions.command(failed, "stop");
      assert.equal(summary.status, "stopped");
      assert.equal((await table.get(failed))?.status, "stopped");

      await assert.rejects(
        service.sessions.command(failed, "resume"),
        (error: Error) =>
          error instanceof ConflictError &&
          error.message === transition("stopped", "resume").reason,
      );
    } finally {
      await service.close();
      await dispose();
    }
  });
}
