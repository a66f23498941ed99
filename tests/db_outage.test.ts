// Fault test: the PostgreSQL server stops while sessions trade, then comes back.
// Runs against a cluster of its own (never the shared one) where Debian's
// cluster tools exist; CI has them.
import assert from "node:assert/strict";
import postgres from "postgres";
import { type Db, openDatabase, openPostgres, sql } from "../db/mod.ts";
import type { Fill } from "../engine/core/execution/mod.ts";
import type { SessionSnapshot } from "../engine/core/session/mod.ts";
import { Persister } from "../engine/runtime/persister.ts";
import type { SupervisorTimings } from "../engine/runtime/supervisor.ts";
import { CLUSTER_TOOLS, createTestCluster, type TestCluster } from "./support/pg_cluster.ts";
import { startTestServer, type TestServer } from "./support/server.ts";
import { getJson, startServiceProcess } from "./support/service_process.ts";
import { insertSessionRow, sessionWrites, storedLog } from "./support/session_writes.ts";
import { eventually } from "./support/wait.ts";

const SESSIONS = 12;
const OUTAGE_MS = 12_000;

/** Fills shown to a client over the WebSocket, by session. */
function watchFills(
  url: string,
  ids: readonly string[],
): { shown: Map<string, Fill[]>; close(): void } {
  const shown = new Map<string, Fill[]>(ids.map((id) => [id, []]));
  const socket = new WebSocket(`${url.replace("http", "ws")}/api/ws`);
  socket.onopen = () =>
    socket.send(JSON.stringify({ op: "subscribe", topics: ids.map((id) => `trading:${id}`) }));
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type !== "update" || message.data?.type !== "effect") return;
    if (message.data.effect.type !== "fill") return;
    shown.get(message.topic.slice("trading:".length))?.push(message.data.effect.fill);
  };
  return { shown, close: () => socket.close() };
}

/** The parts of API answers this test reads. */
interface Answer {
  readonly error?: string;
  readonly id?: string;
  readonly db?: { readonly ok: boolean };
  readonly persister?: { readonly queued_events: number };
}

async function request(url: string, init?: RequestInit): Promise<{ status: number; body: Answer }> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    return { status: response.status, body: { error: text } };
  }
}

function total(shown: Map<string, Fill[]>): number {
  return [...shown.values()].reduce((n, fills) => n + fills.length, 0);
}

/** Cash implied by a fill ledger: initial − Σ buys − Σ fees + Σ sells. */
function ledgerCash(initial: number, fills: readonly Fill[]): number {
  return fills.reduce(
    (sum, f) =>
      sum + (f.side === "sell" ? 1 : -1) * Number(f.price) * Number(f.quantity) - Number(f.fee),
    initial,
  );
}

/** The cluster, stopped and started by the steps, and a fresh database on it per step. */
interface Server {
  readonly cluster: TestCluster;
  readonly admin: postgres.Sql;
  down: boolean;
}

async function freshDatabase(server: Server, name: string): Promise<string> {
  await server.admin.unsafe(`create database ${name}`);
  const url = new URL(server.cluster.url);
  url.pathname = `/${name}`;
  return url.href;
}

async function stop(server: Server): Promise<void> {
  await server.cluster.stop();
  server.down = true;
}

async function start(server: Server): Promise<void> {
  await server.cluster.start();
  server.down = false;
}

const FAST = { heartbeatMs: 100, hangMs: 600, maxRestarts: 5, restartWindowMs: 60_000 };

/** Starts the fast EMA cross on `symbol` through the API; its id. */
async function createSession(url: string, symbol = "BTCUSDT"): Promise<string> {
  const created = await request(`${url}/api/paper_trading/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ strategy: "ema_cross_fast", symbol }),
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body.id!;
}

/** Checks that a session's stored snapshot agrees with its stored fill ledger. */
async function assertBookReconciles(db: Db, id: string): Promise<void> {
  const [snapshot] = await db.query<{ state: SessionSnapshot }>(
    sql`select state from session_snapshots where session_id = ${id}`,
  );
  const cash = ledgerCash(
    10_000,
    await db.query<Fill>(sql`select * from fills where session_id = ${id}`),
  );
  assert.ok(
    Math.abs(snapshot.state.account.cash - cash) <= 1e-6,
    `${id}: snapshot cash ${snapshot.state.account.cash} = fill ledger ${cash}`,
  );
}

/**
 * Runs `step` against an in-process service on a fresh database of the
 * cluster; the cluster is started again and everything closed whatever happens.
 */
async function withService(
  server: Server,
  options: { database: string; timings: Partial<SupervisorTimings> },
  step: (service: TestServer, db: Db) => Promise<void>,
): Promise<void> {
  const db = await openDatabase({ url: await freshDatabase(server, options.database) });
  const service = await startTestServer({ db, timings: options.timings });
  try {
    await step(service, db);
  } finally {
    if (server.down) await start(server);
    await service.stop();
    await db.close();
  }
}

async function persisterStep(server: Server): Promise<void> {
  const db = await openDatabase({ url: await freshDatabase(server, "persister_outage") });
  try {
    await insertSessionRow(db, "a");
    await insertSessionRow(db, "b");
    const a = sessionWrites("a");
    const b = sessionWrites("b");
    const persister = new Persister(db);
    await persister.write(a[0]);

    await stop(server);
    const pending = [...a.slice(1), b[0]].map((write) => persister.write(write));
    const settled = Promise.allSettled(pending);
    await eventually(() => persister.outage(), { what: "the persister noticing the outage" });
    // Waiting writes of one session become one entry: memory grows by the events only.
    await eventually(() => persister.stats().queued === 2 || undefined, {
      what: "a's waiting writes merged into one entry",
    });
    await start(server);

    const results = await settled;
    assert.ok(results.every((r) => r.status === "fulfilled"), "every write committed");
    assert.equal(persister.outage(), undefined, "the outage is over");
    const log = await storedLog(db, "a");
    const last = a.at(-1)!;
    const events = last.firstSeq + last.effects.length - 1;
    assert.deepEqual(log.seqs, Array.from({ length: events }, (_, i) => i + 1), "in order, once");
    assert.equal(log.snapshotSeq, events);
    const fills = a.flatMap((w) => w.effects).filter((e) => e.type === "fill").length;
    assert.equal(log.fills, fills, "every fill stored once");
    assert.equal((await storedLog(db, "b")).snapshotSeq, b[0].effects.length);
  } finally {
    if (server.down) await start(server);
    await db.close();
  }
}

function restartStep(server: Server): Promise<void> {
  return withService(server, { database: "restart_outage", timings: FAST }, async (service, db) => {
    const id = await createSession(service.url);
    const durableFills = () =>
      db.query<Fill>(sql`select * from fills where session_id = ${id} order by time, id`);
    await eventually(async () => (await durableFills()).length >= 2 || undefined, {
      what: "two durable fills",
      timeoutMs: 60_000,
    });

    await stop(server);
    service.service.supervisor.inject(id, "crash");
    await eventually(() => service.service.supervisor.get(id)!.restarts >= 1 || undefined, {
      what: "the restart during the outage",
    });
    // A live session is read from memory: the API still shows it, with the restart's cause.
    const during = await request(`${service.url}/api/paper_trading/sessions/${id}`);
    assert.equal(during.status, 200);
    assert.match(JSON.stringify(during.body), /injected fault: crash/);
    await start(server);

    await eventually(() => service.service.supervisor.get(id)!.status === "running" || undefined, {
      what: "the session running again after the outage",
      timeoutMs: 60_000,
    });
    const before = (await durableFills()).length;
    await eventually(async () => (await durableFills()).length > before || undefined, {
      what: "fills after the outage",
      timeoutMs: 60_000,
    });
    await service.service.persister.flush();
    await assertBookReconciles(db, id);
  });
}

function suspendStep(server: Server): Promise<void> {
  const timings = { ...FAST, maxWaitingEvents: 6 };
  return withService(server, { database: "suspend_outage", timings }, async (service, db) => {
    const id = await createSession(service.url);
    const live = () => service.service.supervisor.get(id)!;
    await eventually(() => live().durableSeq >= 3 || undefined, {
      what: "three durable events",
      timeoutMs: 60_000,
    });

    await stop(server);
    await eventually(
      () => /^suspended: \d+ events waiting/.test(live().restartReason ?? "") || undefined,
      { what: "the session suspended with more than 6 events waiting", timeoutMs: 60_000 },
    );
    assert.notEqual(live().status, "failed", "a suspension is not a failure");
    await start(server);

    await eventually(() => live().status === "running" || undefined, {
      what: "the session running again after the outage",
      timeoutMs: 60_000,
    });
    const resumedAt = live().durableSeq;
    await eventually(() => live().durableSeq > resumedAt || undefined, {
      what: "events after the outage",
      timeoutMs: 60_000,
    });
    // Stop it so its book is final (a stop refused while it restarts is asked again).
    await eventually(
      () => service.service.supervisor.command(id, "stop").then(() => true, () => undefined),
      { what: "the session stopped" },
    );
    const log = await storedLog(db, id);
    assert.deepEqual(log.seqs, log.seqs.map((_, i) => i + 1), "no gap in the event log");
    assert.equal(log.snapshotSeq, log.seqs.length, "the snapshot covers every event");
    await assertBookReconciles(db, id);
  });
}

async function serviceStep(server: Server): Promise<void> {
  let service: ReturnType<typeof startServiceProcess> | undefined;
  let watcher: ReturnType<typeof watchFills> | undefined;
  const url = await freshDatabase(server, "service_outage");
  try {
    service = startServiceProcess({ DATABASE_URL: url, LOG_LEVEL: "info" });
    const base = service.url;
    await eventually(() => getJson(`${base}/api/health`), {
      what: "the service answering /api/health",
      timeoutMs: 90_000,
    });
    const ids: string[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      ids.push(await createSession(base, i % 2 ? "ETHUSDT" : "BTCUSDT"));
    }
    watcher = watchFills(base, ids);
    const shown = watcher.shown;
    await eventually(() => total(shown) >= SESSIONS || undefined, {
      what: `${SESSIONS} fills shown over the WebSocket`,
      timeoutMs: 90_000,
    });

    await stop(server);
    const outageEnd = Date.now() + OUTAGE_MS;
    const during = {
      list: new Set<number>(),
      health: new Set<number>(),
      create: new Set<number>(),
    };
    let reason = "";
    let queuedDuring = 0;
    while (Date.now() < outageEnd) {
      assert.ok(service.running(), `the service exited during the outage:\n${service.stderr()}`);
      const list = await request(`${base}/api/paper_trading/sessions`);
      during.list.add(list.status);
      if (list.status === 503) reason = list.body.error ?? "";
      const health = await request(`${base}/api/health`);
      during.health.add(health.status);
      if (health.status === 503) {
        assert.equal(health.body.db?.ok, false);
        queuedDuring = Math.max(queuedDuring, health.body.persister?.queued_events ?? 0);
      }
      const create = await request(`${base}/api/paper_trading/sessions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ strategy: "ema_cross_fast", symbol: "BTCUSDT" }),
      });
      during.create.add(create.status);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    assert.deepEqual([...during.list], [503], "listing sessions needs the database: 503");
    assert.deepEqual([...during.health], [503], "health reports the outage: 503");
    assert.deepEqual([...during.create], [503], "creating a session needs the database: 503");
    assert.match(reason, /database/i, "the 503 says the database is unavailable");
    assert.doesNotMatch(reason, /127\.0\.0\.1|:\d{4,5}/, "no connection details in the reason");
    assert.ok(queuedDuring > 0, "sessions kept trading: their events were queued");
    const shownBeforeRecovery = total(shown);

    await start(server);
    await eventually(async () => {
      const health = await getJson<{ persister: { queued: number } }>(`${base}/api/health`);
      return health && health.persister.queued === 0 ? health : undefined;
    }, { what: "the database back and the persister's queue committed", timeoutMs: 90_000 });
    await eventually(() => total(shown) > shownBeforeRecovery || undefined, {
      what: "fills shown after the outage",
      timeoutMs: 90_000,
    });
    assert.ok(service.running(), `the service exited:\n${service.stderr()}`);

    // Stop every session so the books are final, then audit the database directly.
    for (const id of ids) {
      const stop = await request(`${base}/api/paper_trading/sessions/${id}`, {
        method: "DELETE",
      });
      assert.equal(stop.status, 200, JSON.stringify(stop.body));
    }
    const audit = await openPostgres(url);
    try {
      for (const id of ids) {
        const fills = await audit.query<{ id: string }>(
          sql`select id from fills where session_id = ${id}`,
        );
        const fillEvents = (await audit.query<{ id: string }>(
          sql`select payload::json->'fill'->>'id' as id from session_events
            where session_id = ${id} and type = 'fill'`,
        )).map((e) => e.id);
        for (const fill of shown.get(id)!) {
          const where = `shown fill ${id}/${fill.id}`;
          assert.equal(fills.filter((f) => f.id === fill.id).length, 1, `${where} stored once`);
          assert.equal(fillEvents.filter((f) => f === fill.id).length, 1, `${where} logged once`);
        }
        assert.equal(new Set(fillEvents).size, fillEvents.length, `no fill logged twice in ${id}`);
        const log = await storedLog(audit, id);
        assert.deepEqual(log.seqs, log.seqs.map((_, i) => i + 1), `event seq of ${id} has no gap`);
        assert.equal(log.snapshotSeq, log.seqs.length, `snapshot of ${id} covers every event`);
        await assertBookReconciles(audit, id);
      }
    } finally {
      await audit.close();
    }
  } finally {
    watcher?.close();
    if (server.down) await start(server);
    const status = await service?.kill("SIGKILL");
    if (status && status.signal !== "SIGKILL") {
      console.error(`service output:\n${service!.stderr()}`);
    }
  }
}

Deno.test({
  name: "PostgreSQL stops while sessions trade and comes back",
  ignore: !CLUSTER_TOOLS,
  // The driver's reconnect timers outlive a step by design.
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const cluster = await createTestCluster();
    const server: Server = {
      cluster,
      admin: postgres(cluster.url, { max: 1, onnotice: () => {} }),
      down: false,
    };
    try {
      await t.step(
        "the persister keeps a session's writes queued in order and commits each once",
        () => persisterStep(server),
      );
      await t.step(
        "a worker restarting during the outage comes back after it from its durable state",
        () => restartStep(server),
      );
      await t.step(
        "a session with too many events waiting is suspended, then starts from its stored state",
        () => suspendStep(server),
      );
      await t.step(
        "the service process stays up, answers 503 with a reason, loses and duplicates nothing",
        () => serviceStep(server),
      );
    } finally {
      if (server.down) await cluster.start().catch(() => {});
      await server.admin.end({ timeout: 1 }).catch(() => {});
      await cluster.drop();
    }
  },
});
