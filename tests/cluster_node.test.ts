// A node of a cluster in this process: a session that fails gives up its
// lease (nothing runs it, so nothing renews it) and resuming it takes the
// lease again; `/api/health` shows each session's lag and how far the node
// reads the market stream behind; the dashboard's cards name the node.
import assert from "node:assert/strict";
import { LeaseTable } from "../db/stores/mod.ts";
import { clusterUnavailable, startInProcessNode } from "./support/cluster.ts";
import { eventually } from "./support/wait.ts";
import { createSession } from "./support/api.ts";

const unavailable = await clusterUnavailable();
if (unavailable) console.warn(`cluster tests skipped: ${unavailable}`);

const FAST = { heartbeatMs: 100, hangMs: 600, maxRestarts: 1, restartWindowMs: 60_000 };

Deno.test({
  name: "a failed session releases its lease; resuming it claims the lease again",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const node = await startInProcessNode({ timings: FAST });
    const { service, url } = node.server;
    const leases = new LeaseTable(service.db);
    try {
      const id = await createSession(url);
      assert.equal(await leases.owner(id), "solo", "the creating node holds the lease");

      // Crash its worker until the supervisor gives up (a crash sent between workers is lost: again).
      await eventually(() => {
        if (service.supervisor.get(id)!.status === "failed") return true;
        service.supervisor.inject(id, "crash");
        return undefined;
      }, { timeoutMs: 60_000, what: `session ${id} failed after repeated crashes` });
      await eventually(async () => (await leases.owner(id)) === undefined || undefined, {
        timeoutMs: 20_000,
        what: `the lease of failed session ${id} released`,
      });

      const resume = await fetch(`${url}/api/paper_trading/sessions/${id}/resume`, {
        method: "POST",
      });
      assert.equal(resume.status, 200, await resume.clone().text());
      await resume.body?.cancel();
      assert.equal(await leases.owner(id), "solo", "resuming takes the lease again");
      await eventually(() => service.supervisor.get(id)!.status === "running" || undefined, {
        timeoutMs: 30_000,
        what: `resumed session ${id} running`,
      });
      await new Promise((resolve) => setTimeout(resolve, 1_500)); // past one lease period
      assert.equal(await leases.owner(id), "solo", "the running session keeps its lease");
    } finally {
      await node.dispose();
    }
  },
});

/** The cluster part of `/api/health` (the fields read here). */
interface ClusterHealth {
  readonly leases: { session: string; token: number; lag_ms: number | null }[];
  readonly stream: Record<
    string,
    { pending: number; lag_ms: number | null; idle_ms: number | null }
  >;
}

Deno.test({
  name: "health shows each session's lag and the stream reading per symbol; cards name the node",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const node = await startInProcessNode();
    const { url } = node.server;
    try {
      const id = await createSession(url);
      const cluster = await eventually(async () => {
        const health = await (await fetch(`${url}/api/health`)).json();
        const c = health.cluster as ClusterHealth;
        const btc = c.stream.BTCUSDT;
        return c.leases.some((l) => l.session === id && l.lag_ms !== null) && btc?.lag_ms !== null
          ? c
          : undefined;
      }, { timeoutMs: 30_000, what: "health with the session's lag and the BTCUSDT stream lag" });
      const lease = cluster.leases.find((l) => l.session === id)!;
      assert.ok(lease.lag_ms! >= 0 && lease.lag_ms! < 10_000, `session lag ${lease.lag_ms} ms`);
      const btc = cluster.stream.BTCUSDT;
      assert.ok(btc.pending >= 0, `pending ${btc.pending}`);
      assert.ok(btc.lag_ms! >= 0 && btc.lag_ms! < 10_000, `stream lag ${btc.lag_ms} ms`);
      assert.ok(btc.idle_ms! >= 0 && btc.idle_ms! < 10_000, `stream idle ${btc.idle_ms} ms`);
      assert.ok("ETHUSDT" in cluster.stream, "every symbol the node reads is listed");

      const page = await (await fetch(`${url}/`)).text();
      assert.match(page, /data-testid="session-node"[^>]*>node (<!-- -->)?solo</);
    } finally {
      await node.dispose();
    }
  },
});
