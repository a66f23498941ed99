// A session that fails on a node of a cluster gives up its lease (nothing
// runs it, so nothing renews it), and resuming it takes the lease again.
import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { LeaseTable } from "../db/stores/mod.ts";
import { clusterUnavailable, NATS_URL } from "./support/cluster.ts";
import { createServerDatabase } from "./support/databases.ts";
import { eventually, startTestServer } from "./support/server.ts";

const unavailable = await clusterUnavailable();
if (unavailable) console.warn(`cluster tests skipped: ${unavailable}`);

const FAST = { heartbeatMs: 100, hangMs: 600, maxRestarts: 1, restartWindowMs: 60_000 };

Deno.test({
  name: "a failed session releases its lease; resuming it claims the lease again",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const database = await createServerDatabase();
    const server = await startTestServer({
      env: { DATABASE_URL: database.url, NATS_URL, NODE_ID: "solo", CLUSTER_LEASE_MS: "1000" },
      timings: FAST,
    });
    const { service } = server;
    const leases = new LeaseTable(service.db);
    const clusterId = await leases.clusterId();
    try {
      const response = await fetch(`${server.url}/api/paper_trading/sessions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ strategy: "ema_cross_fast", symbol: "BTCUSDT" }),
      });
      assert.equal(response.status, 201, await response.clone().text());
      const { id } = await response.json();
      assert.equal(await leases.owner(id), "solo", "the creating node holds the lease");

      for (let i = 0; i < 2; i++) {
        await eventually(() => {
          const live = service.supervisor.get(id)!;
          return ["running", "warming_up", "failed"].includes(live.status) || undefined;
        }, { timeoutMs: 30_000, what: `session ${id} running before crash ${i + 1}` });
        if (service.supervisor.get(id)!.status === "failed") break;
        service.supervisor.inject(id, "crash");
        await eventually(() => {
          const live = service.supervisor.get(id)!;
          return live.restarts >= i + 1 || live.status === "failed" || undefined;
        }, { timeoutMs: 30_000, what: `restart ${i + 1} of session ${id}` });
      }
      await eventually(() => service.supervisor.get(id)!.status === "failed" || undefined, {
        timeoutMs: 20_000,
        what: `session ${id} failed`,
      });
      await eventually(async () => (await leases.owner(id)) === undefined || undefined, {
        timeoutMs: 20_000,
        what: `the lease of failed session ${id} released`,
      });

      const resume = await fetch(`${server.url}/api/paper_trading/sessions/${id}/resume`, {
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
      await server.stop();
      await database.drop();
      const nc = await connect({ servers: NATS_URL });
      await (await jetstreamManager(nc)).streams.delete(`MARKET_${clusterId}`).catch(() => {});
      await nc.close();
    }
  },
});
