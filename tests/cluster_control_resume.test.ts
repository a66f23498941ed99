// Two nodes of a cluster in this process on one database: a session that
// failed on one node is resumed through the other (it takes a lease and runs
// again, no longer halted by a kill switch lifted while it did not run), and
// the node where it failed lets it go, so a command sent there reaches the
// node that runs it now.
import assert from "node:assert/strict";
import { LeaseTable } from "../db/stores/mod.ts";
import { clusterUnavailable, NATS_URL, startInProcessNode } from "./support/cluster.ts";
import { startTestServer } from "./support/server.ts";
import { eventually } from "./support/wait.ts";

const unavailable = await clusterUnavailable();
if (unavailable) console.warn(`cluster tests skipped: ${unavailable}`);

const FAST = { heartbeatMs: 100, hangMs: 600, maxRestarts: 1, restartWindowMs: 60_000 };
const SESSIONS = "/api/paper_trading/sessions";

async function post(url: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

Deno.test({
  name: "a session that failed on one node is resumed through another, and commands find it there",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const first = await startInProcessNode({ timings: FAST });
    const second = await startTestServer({
      timings: FAST,
      env: {
        DATABASE_URL: first.databaseUrl,
        NATS_URL,
        NODE_ID: "second",
        CLUSTER_LEASE_MS: "1000",
      },
    });
    const leases = new LeaseTable(first.server.service.db);
    try {
      const created = await post(`${first.server.url}${SESSIONS}`, {
        strategy: "ema_cross_fast",
        symbol: "BTCUSDT",
      });
      assert.equal(created.status, 201, JSON.stringify(created.json));
      const id = (created.json as { id: string }).id;
      const [failing, other] = await eventually(() => {
        if (first.server.service.supervisor.get(id)) return [first.server, second];
        if (second.service.supervisor.get(id)) return [second, first.server];
        return undefined;
      }, { what: `a node running session ${id}` });

      // The kill switch is pulled, then the session fails, then the kill switch is lifted.
      const halt = await post(`${first.server.url}/api/risk/halt`);
      assert.equal(halt.status, 200, JSON.stringify(halt.json));

      // Crash its worker until the supervisor gives up (a crash sent between workers is lost: again).
      await eventually(() => {
        if (failing.service.supervisor.get(id)!.status === "failed") return true;
        failing.service.supervisor.inject(id, "crash");
        return undefined;
      }, { timeoutMs: 60_000, what: `session ${id} failed after repeated crashes` });
      await eventually(async () => (await leases.owner(id)) === undefined || undefined, {
        timeoutMs: 20_000,
        what: `the lease of failed session ${id} released`,
      });

      const lifted = await post(`${other.url}/api/risk/resume`);
      assert.equal(lifted.status, 200, JSON.stringify(lifted.json));

      // Resumed through the other node: it runs again, under a lease, trading.
      const resumed = await post(`${other.url}${SESSIONS}/${id}/resume`);
      assert.equal(resumed.status, 200, JSON.stringify(resumed.json));
      const owner = await leases.owner(id);
      assert.ok(owner !== undefined, "the resumed session holds a lease");
      const running = await eventually(async () => {
        const session = await (await fetch(`${other.url}${SESSIONS}/${id}`)).json();
        return session.status === "running" ? session : undefined;
      }, { timeoutMs: 30_000, what: `session ${id} running after its resume` });
      assert.equal(running.risk.state, "active", "the lifted kill switch no longer halts it");

      // A command sent to the node where it failed reaches it where it runs now.
      const paused = await post(`${failing.url}${SESSIONS}/${id}/pause`);
      assert.equal(paused.status, 200, JSON.stringify(paused.json));
      assert.equal((paused.json as { status: string }).status, "paused");
      assert.equal((paused.json as { node: string }).node, owner);
      await eventually(async () => {
        const session = await (await fetch(`${failing.url}${SESSIONS}/${id}`)).json();
        return session.status === "paused" || undefined;
      }, { what: `session ${id} shown paused by the node where it failed` });
    } finally {
      await second.stop();
      await first.dispose();
    }
  },
});
