import assert from "node:assert/strict";
import { sql } from "../db/mod.ts";
import { sessionInputSchema } from "../contract/schemas.ts";
import { BenchFeed, FLIP_STRATEGY } from "../fixtures/bench_feed.ts";
import { ConfigError, loadConfig } from "../engine/runtime/config.ts";
import { spreadFor } from "../engine/runtime/worker_pool.ts";
import type { Service } from "../engine/runtime/service.ts";
import { eventually, startTestServer, type TestServer } from "./support/server.ts";

const FAST = { heartbeatMs: 100, hangMs: 600, maxRestarts: 5, restartWindowMs: 60_000 };

/** Sizes of the sessions' flip strategy: session i trades `SIZES[i % SIZES.length]` a time. */
const SIZES = [50, 60, 70, 80, 90];

/** A fill as stored, without its session. */
interface StoredFill {
  id: string;
  time: number;
  side: string;
  price: number;
  quantity: number;
  fee: number;
}

/**
 * A service on `feed` with `perWorker` sessions a worker (the default when
 * undefined), spread over two workers before any hosts a second session
 * (the cores of the machine by default).
 */
async function pooledServer(perWorker: number | undefined, feed: BenchFeed): Promise<TestServer> {
  return await startTestServer({
    feed,
    timings: FAST,
    cpuShare: () => 1,
    spreadWorkers: 2,
    env: {
      SYMBOLS: "BTCUSDT",
      ...(perWorker === undefined ? {} : { SESSIONS_PER_WORKER: String(perWorker) }),
    },
  });
}

/** Starts `count` flip sessions, session i (counted from `from`) sized `SIZES[i % SIZES.length]`. */
async function startFlips(service: Service, count: number, from = 0): Promise<string[]> {
  const ids: string[] = [];
  for (let i = from; i < from + count; i++) {
    const strategy = {
      ...FLIP_STRATEGY,
      sizing: { type: "fixed_notional", value: SIZES[i % SIZES.length] },
    };
    const created = await service.sessions.create(
      sessionInputSchema.parse({ strategy, symbol: "BTCUSDT" }),
    );
    ids.push(created.id);
  }
  return ids;
}

/** Emits `count` deterministic trades, 20 every 5 ms. */
async function emitTrades(feed: BenchFeed, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    feed.emit();
    if (i % 20 === 19) await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function durableFills(service: Service, id: string): Promise<StoredFill[]> {
  const rows = await service.db.query<StoredFill>(
    sql`select id, time, side, price, quantity, fee from fills where session_id = ${id} order by time, id`,
  );
  return rows.map((f) => ({
    id: f.id,
    time: Number(f.time),
    side: f.side,
    price: Number(f.price),
    quantity: Number(f.quantity),
    fee: Number(f.fee),
  }));
}

/**
 * Every session's durable fills once they stop changing (every session up to
 * date with the bus and the same fills two polls running).
 */
async function settledFills(
  service: Service,
  ids: readonly string[],
  what: string,
): Promise<StoredFill[][]> {
  let last = "";
  return await eventually(async () => {
    if (ids.some((id) => (service.supervisor.lagMs(id) ?? 1) > 0)) return undefined;
    await service.persister.flush();
    const fills = await Promise.all(ids.map((id) => durableFills(service, id)));
    const text = JSON.stringify(fills);
    const stable = text === last && fills.every((f) => f.length > 0);
    last = text;
    if (stable) await new Promise((resolve) => setTimeout(resolve, 300));
    return stable && JSON.stringify(
          await Promise.all(ids.map((id) => durableFills(service, id))),
        ) === text
      ? fills
      : undefined;
  }, { what, timeoutMs: 90_000 });
}

/** The fills of `sessions` flip sessions in a worker each (`SESSIONS_PER_WORKER=1`), on `trades` trades. */
async function referenceFills(sessions: number, trades: number): Promise<StoredFill[][]> {
  const feed = new BenchFeed();
  const server = await pooledServer(1, feed);
  try {
    const ids = await startFlips(server.service, sessions);
    assert.equal(
      server.service.supervisor.workers(),
      sessions,
      "a worker per session at 1 a worker",
    );
    await emitTrades(feed, trades);
    return await settledFills(server.service, ids, "the reference sessions' fills to settle");
  } finally {
    await server.stop();
  }
}

/** Whether a restarted session is back (warming up again, for a feed without history, or running). */
function back(service: Service, id: string): true | undefined {
  const status = service.supervisor.get(id)!.status;
  return status === "running" || status === "warming_up" || undefined;
}

/** A restarted session kept every fill it had and doubled none, and trades on. */
function assertResumed(before: readonly StoredFill[], after: readonly StoredFill[], what: string) {
  assert.deepEqual(after.slice(0, before.length), before, `${what}: no durable fill lost`);
  assert.equal(new Set(after.map((f) => f.id)).size, after.length, `${what}: no fill doubled`);
  assert.ok(after.length > before.length, `${what}: trades on after the restart`);
}

function assertSameFills(
  actual: readonly StoredFill[][],
  reference: readonly StoredFill[][],
  what: string,
): void {
  actual.forEach((fills, i) => {
    assert.ok(fills.length > 0, `${what}: session ${i} filled`);
    assert.deepEqual(fills, reference[i % reference.length], `${what}: session ${i}'s fills`);
  });
}

Deno.test("SESSIONS_PER_WORKER defaults to a core's 500 (a worker a core at the default cap) and accepts only a positive integer", () => {
  assert.equal(loadConfig({}).sessionsPerWorker, 500);
  assert.equal(loadConfig({ SESSIONS_PER_WORKER: "1" }).sessionsPerWorker, 1);
  for (const bad of ["0", "-1", "2.5", "many"]) {
    assert.throws(() => loadConfig({ SESSIONS_PER_WORKER: bad }), ConfigError, bad);
  }
});

Deno.test("sessions spread over a worker a core but one (the main thread keeps one), a core each on two cores or fewer", () => {
  assert.deepEqual([1, 2, 3, 4, 8].map(spreadFor), [1, 2, 2, 3, 7]);
});

Deno.test("by default sessions spread over the cores (but one beyond two), then share the workers; /api/health shows the workers and sessions per worker", async () => {
  const spread = spreadFor(navigator.hardwareConcurrency || 1);
  const server = await startTestServer({ feed: new BenchFeed(), env: { SYMBOLS: "BTCUSDT" } });
  try {
    const { service } = server;
    await startFlips(service, 1);
    assert.equal(service.supervisor.workers(), 1, "one session, one worker");
    await startFlips(service, spread - 1);
    assert.equal(service.supervisor.workers(), spread, "a worker per session up to the spread");
    await startFlips(service, 1);
    assert.equal(service.supervisor.workers(), spread, "the next session shares a worker");
    const health = await (await fetch(`${server.url}/api/health`)).json();
    assert.equal(health.sessions.live, spread + 1);
    assert.equal(health.sessions.workers, spread);
    assert.deepEqual(health.sessions.per_worker, { limit: 500, min: spread === 1 ? 2 : 1, max: 2 });
  } finally {
    await server.stop();
  }
});

Deno.test("25 sessions at 10 per worker spread over 2 workers, then a third: the fills of a worker each; stopping empties workers", async () => {
  const TRADES = 6_000;
  const reference = await referenceFills(SIZES.length, TRADES);
  const feed = new BenchFeed();
  const server = await pooledServer(10, feed);
  try {
    const { service } = server;
    const first = await startFlips(service, 3);
    assert.deepEqual(service.supervisor.workerLoads(), [2, 1], "two workers before one hosts two");
    const ids = [...first, ...await startFlips(service, 22, 3)];
    assert.deepEqual(service.supervisor.workerLoads(), [10, 10, 5], "25 at 10 a worker: 3 workers");
    await emitTrades(feed, TRADES);
    const fills = await settledFills(service, ids, "the pooled sessions' fills to settle");
    assertSameFills(fills, reference, "pooled");
    for (const id of ids) assert.equal(service.supervisor.get(id)!.restarts, 0);

    // The third worker hosts the last five: stopping them terminates it.
    for (const id of ids.slice(20)) await service.sessions.command(id, "stop");
    assert.equal(service.supervisor.workers(), 2, "an emptied worker is terminated");
    await service.sessions.command(ids[0], "stop");
    assert.deepEqual(
      service.supervisor.workerLoads(),
      [9, 10],
      "a worker with sessions left stays",
    );
    // The freed place is taken before a new worker is started.
    const [added] = await startFlips(service, 1);
    assert.deepEqual(
      service.supervisor.workerLoads(),
      [10, 10],
      "a new session fills a worker with room",
    );
    assert.equal(service.supervisor.get(added)!.status === "failed", false);
  } finally {
    await server.stop();
  }
});

Deno.test("a crash in one pooled session restarts it alone: its worker-mates keep their state and fills", async () => {
  const reference = await referenceFills(4, 6_000);
  const feed = new BenchFeed();
  const server = await pooledServer(10, feed);
  try {
    const { service } = server;
    const ids = await startFlips(service, 4);
    assert.deepEqual(service.supervisor.workerLoads(), [2, 2]);
    await emitTrades(feed, 2_500);
    const before = await settledFills(service, ids, "fills before the crash");
    const [crashed, ...mates] = ids;
    service.supervisor.inject(crashed, "crash");
    await eventually(() => service.supervisor.get(crashed)!.restarts >= 1 || undefined, {
      what: "the crashed session's restart",
    });
    assert.match(service.supervisor.get(crashed)!.restartReason ?? "", /injected fault: crash/);
    await eventually(() => back(service, crashed), { what: "the crashed session back" });
    assert.deepEqual(
      service.supervisor.workerLoads(),
      [2, 2],
      "the restarted session went back to its worker",
    );
    for (const id of mates) {
      const live = service.supervisor.get(id)!;
      assert.equal(live.restarts, 0, "a worker-mate is not restarted");
      assert.equal(live.status, "running");
    }
    await emitTrades(feed, 3_500);
    const fills = await settledFills(service, ids, "fills after the crash");
    assertSameFills(fills.slice(1), reference.slice(1), "worker-mates of a crashed session");
    assertResumed(before[0], fills[0], "the crashed session");
  } finally {
    await server.stop();
  }
});

Deno.test("a hung pooled worker restarts every session it hosted with the cause; they resume from their durable state", async () => {
  const reference = await referenceFills(4, 6_000);
  const feed = new BenchFeed();
  const server = await pooledServer(3, feed);
  try {
    const { service } = server;
    const ids = await startFlips(service, 5);
    assert.deepEqual(service.supervisor.workerLoads(), [3, 2], "5 sessions at 3 a worker");
    await emitTrades(feed, 2_500);
    const before = await settledFills(service, ids, "fills before the hang");
    // Placed in turn: the first worker hosts sessions 0, 2 and 4.
    const hosted = [ids[0], ids[2], ids[4]];
    const others = [ids[1], ids[3]];
    service.supervisor.inject(hosted[1], "hang");
    for (const id of hosted) {
      await eventually(() => service.supervisor.get(id)!.restarts >= 1 || undefined, {
        what: `session ${id} restarted after its worker hung`,
      });
      assert.match(service.supervisor.get(id)!.restartReason ?? "", /worker hung/);
    }
    for (const id of hosted) {
      await eventually(() => back(service, id), { what: `session ${id} back after the hang` });
    }
    for (const id of others) {
      assert.equal(service.supervisor.get(id)!.restarts, 0, "the other worker's sessions run on");
    }
    assert.equal(service.supervisor.workers(), 2, "the hung worker was replaced by one");
    const summary = await (await fetch(`${server.url}/api/paper_trading/sessions/${hosted[0]}`))
      .json();
    assert.match(summary.restart_reason, /worker hung/, "the API says why it restarted");
    await emitTrades(feed, 3_500);
    const fills = await settledFills(service, ids, "fills after the hang");
    for (const i of [0, 2, 4]) assertResumed(before[i], fills[i], `session ${ids[i]}`);
    for (const i of [1, 3]) {
      assert.deepEqual(fills[i], reference[i], `the other worker's session ${i}: its fills`);
    }
  } finally {
    await server.stop();
  }
});
