// Fault test: the PostgreSQL server stops while sessions trade, then comes back.
// Runs against a cluster of its own (never the shared one) where Debian's
// cluster tools exist; CI has them.
import assert from "node:assert/strict";
import postgres from "postgres";
import type { Fill } from "../engine/core/execution/mod.ts";
import type { SessionSnapshot } from "../engine/core/session/mod.ts";
import { CLUSTER_TOOLS, createTestCluster, type TestCluster } from "./support/pg_cluster.ts";
import { getJson, type ServiceProcess, startServiceProcess } from "./support/service_process.ts";
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

Deno.test({
  name:
    "a PostgreSQL outage while sessions trade: the service stays up, answers 503, loses and duplicates nothing",
  ignore: !CLUSTER_TOOLS,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const cluster: TestCluster = await createTestCluster();
    let service: ServiceProcess | undefined;
    let watcher: ReturnType<typeof watchFills> | undefined;
    let stopped = false;
    const admin = postgres(cluster.url, { max: 1, onnotice: () => {} });
    try {
      service = startServiceProcess({ DATABASE_URL: cluster.url, LOG_LEVEL: "info" });
      const base = service.url;
      await eventually(() => getJson(`${base}/api/health`), {
        what: "the service answering /api/health",
        timeoutMs: 90_000,
      });
      const ids: string[] = [];
      for (let i = 0; i < SESSIONS; i++) {
        const created = await request(`${base}/api/paper_trading/sessions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            strategy: "ema_cross_fast",
            symbol: i % 2 ? "ETHUSDT" : "BTCUSDT",
          }),
        });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        ids.push(created.body.id!);
      }
      watcher = watchFills(base, ids);
      const shown = watcher.shown;
      await eventually(() => total(shown) >= SESSIONS || undefined, {
        what: `${SESSIONS} fills shown over the WebSocket`,
        timeoutMs: 90_000,
      });

      await cluster.stop();
      stopped = true;
      const outageEnd = Date.now() + OUTAGE_MS;
      const during = {
        list: new Set<number>(),
        health: new Set<number>(),
        create: new Set<number>(),
      };
      let reason = "";
      while (Date.now() < outageEnd) {
        assert.ok(service.running(), `the service exited during the outage:\n${service.stderr()}`);
        const list = await request(`${base}/api/paper_trading/sessions`);
        during.list.add(list.status);
        if (list.status === 503) reason = list.body.error ?? "";
        const health = await request(`${base}/api/health`);
        during.health.add(health.status);
        if (health.status === 503) assert.equal(health.body.db?.ok, false);
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
      const shownBeforeRecovery = total(shown);

      await cluster.start();
      stopped = false;
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
      for (const id of ids) {
        const fills = await admin.unsafe<Fill[]>(
          `select id, side, price, quantity, fee from fills where session_id = $1`,
          [id],
        );
        const events = await admin.unsafe<{ seq: string; id: string | null }[]>(
          `select seq, payload->'fill'->>'id' as id from session_events
           where session_id = $1 order by seq`,
          [id],
        );
        const fillEvents = events.filter((e) => e.id !== null).map((e) => e.id);
        for (const fill of shown.get(id)!) {
          assert.equal(
            fills.filter((f) => f.id === fill.id).length,
            1,
            `shown fill ${id}/${fill.id} stored once`,
          );
          assert.equal(
            fillEvents.filter((f) => f === fill.id).length,
            1,
            `shown fill ${id}/${fill.id} logged once`,
          );
        }
        assert.equal(new Set(fillEvents).size, fillEvents.length, `no fill logged twice in ${id}`);
        events.forEach((e, i) =>
          assert.equal(Number(e.seq), i + 1, `event seq of ${id} has no gap`)
        );
        const [snapshot] = await admin.unsafe<{ seq: string; state: SessionSnapshot }[]>(
          `select seq, state from session_snapshots where session_id = $1`,
          [id],
        );
        assert.equal(Number(snapshot.seq), events.length, `snapshot of ${id} covers every event`);
        const cash = fills.reduce(
          (sum, f) =>
            sum + (f.side === "sell" ? 1 : -1) * Number(f.price) * Number(f.quantity) -
            Number(f.fee),
          10_000,
        );
        assert.ok(
          Math.abs(snapshot.state.account.cash - cash) <= 1e-6,
          `${id}: snapshot cash ${snapshot.state.account.cash} = fill ledger ${cash}`,
        );
      }
    } finally {
      watcher?.close();
      await admin.end({ timeout: 1 }).catch(() => {});
      if (stopped) await cluster.start().catch(() => {});
      const status = await service?.kill("SIGKILL");
      await cluster.drop();
      if (status && status.signal !== "SIGKILL") {
        console.error(`service output:\n${service!.stderr()}`);
      }
    }
  },
});
