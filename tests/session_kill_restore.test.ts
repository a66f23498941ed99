import assert from "node:assert/strict";
import { openDatabase, sql } from "../db/mod.ts";
import type { Fill } from "../engine/core/execution/mod.ts";
import { DATABASES } from "./support/databases.ts";
import { eventually } from "./support/server.ts";
import { freePort, getJson, startServiceProcess } from "./support/service_process.ts";
import { createSession } from "./support/api.ts";

for (const kind of DATABASES) {
  Deno.test(`${kind.name}: after SIGKILL every running session comes back with its shown fills and a consistent book`, async () => {
    const database = kind.name === "postgres" ? await kind.open() : undefined;
    const dataDir = await Deno.makeTempDir({ prefix: "paper_kill_" });
    const env = {
      PORT: String(freePort()),
      DATA_DIR: dataDir,
      DEMO_SESSION: "true",
      ...(database?.url ? { DATABASE_URL: database.url } : {}),
    };
    let child = startServiceProcess(env);
    const base = child.url;
    try {
      // The demo session comes at start (it trades a few times an hour); the fast EMA cross fills soon.
      await eventually(async () => {
        const list = await getJson(`${base}/api/paper_trading/sessions`) as
          | { sessions: { id: string }[] }
          | undefined;
        return list?.sessions[0];
      }, { what: "the demo session", timeoutMs: 60_000 });
      const session = { id: await createSession(base) };
      const shown = await eventually(async () => {
        const page = await getJson(`${base}/api/paper_trading/sessions/${session.id}/trades`) as
          | { items: Fill[] }
          | undefined;
        return page && page.items.length >= 3 ? page.items : undefined;
      }, { what: "three fills shown by the API", timeoutMs: 60_000 });

      await child.kill("SIGKILL");
      child = startServiceProcess(env);

      const restored = await eventually(async () => {
        const s = await getJson(`${base}/api/paper_trading/sessions/${session.id}`) as
          | {
            status: string;
            cash: number;
            position: { quantity: number };
            initial_capital: number;
          }
          | undefined;
        return s?.status === "running" ? s : undefined;
      }, { what: "the session running again", timeoutMs: 60_000 });

      const after = await getJson(
        `${base}/api/paper_trading/sessions/${session.id}/trades?limit=1000`,
      ) as { items: Fill[] };
      for (const fill of shown) {
        assert.ok(after.items.some((f) => f.id === fill.id), `shown fill ${fill.id} kept`);
      }
      // The restored book agrees with the durable fill history. The summary is the session's
      // live view (throttled, shown after the commit) and the trade list is read from the
      // database, so a fill can be in the list before the view shows it: compare the two once
      // they count the same fills.
      const [summary, ledger] = await eventually(async () => {
        const s = await getJson(
          `${base}/api/paper_trading/sessions/${session.id}`,
        ) as typeof restored & { fill_count: number };
        const t = await getJson(
          `${base}/api/paper_trading/sessions/${session.id}/trades?limit=1000`,
        ) as { items: Fill[] };
        const s2 = await getJson(
          `${base}/api/paper_trading/sessions/${session.id}`,
        ) as typeof s;
        return s.fill_count === t.items.length && s2.fill_count === t.items.length
          ? [s, t.items] as const
          : undefined;
      }, { what: "a summary and a trade list that count the same fills", timeoutMs: 60_000 });
      const cash = ledger.reduce(
        (sum, f) => sum + (f.side === "sell" ? 1 : -1) * f.price * f.quantity - f.fee,
        summary.initial_capital,
      );
      const quantity = ledger.reduce((q, f) => q + (f.side === "buy" ? 1 : -1) * f.quantity, 0);
      assert.ok(Math.abs(summary.cash - cash) < 1e-6, `cash ${summary.cash} = ledger ${cash}`);
      assert.ok(Math.abs(summary.position.quantity - quantity) < 1e-9, "position = Σ fills");
    } finally {
      await child.kill("SIGKILL");
      await Deno.remove(dataDir, { recursive: true });
      await database?.dispose();
    }
  });
}

Deno.test("a session whose worker cannot start does not hold up the restart: HTTP answers, the restore reports it", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "paper_restore_" });
  const env = { PORT: String(freePort()), DATA_DIR: dataDir };
  let child = startServiceProcess(env);
  try {
    const base = child.url;
    await eventually(() => getJson(`${base}/api/health`), {
      what: "the service answering",
      timeoutMs: 90_000,
    });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(await createSession(base));
    }
    await eventually(async () => {
      const health = await getJson<{ sessions: { by_status: { running?: number } } }>(
        `${base}/api/health`,
      );
      return health?.sessions.by_status.running === 3 || undefined;
    }, { what: "three sessions running", timeoutMs: 60_000 });
    await child.kill("SIGKILL");

    // One session's stored state is unreadable: its worker throws every time it starts.
    const db = await openDatabase({ dataDir: `${dataDir}/pglite` });
    await db.query(sql`insert into session_snapshots (session_id, seq, state)
      values (${ids[0]}, 0, '{"broken": true}'::jsonb)
      on conflict (session_id) do update set state = excluded.state`);
    await db.query(sql`update sessions set status = 'running' where id = ${ids[0]}`);
    await db.close();

    child = startServiceProcess(env);
    const restore = await eventually(async () => {
      const health = await getJson<
        { restore: { done: boolean; restored: number; failed: number } }
      >(
        `${base}/api/health`,
      );
      return health?.restore.done ? health.restore : undefined;
    }, { what: "the restore to finish, with HTTP answering", timeoutMs: 90_000 });
    assert.deepEqual({ restored: restore.restored, failed: restore.failed }, {
      restored: 2,
      failed: 1,
    });
    const health = await getJson<{ sessions: { by_status: Record<string, number> } }>(
      `${base}/api/health`,
    );
    assert.equal(health?.sessions.by_status.failed, 1, "the broken session is marked failed");
  } finally {
    await child.kill("SIGKILL");
    await Deno.remove(dataDir, { recursive: true });
  }
});
