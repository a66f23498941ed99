// Three processes started at once on one fresh PostgreSQL database all start:
// migrations take a lock, example strategies and the demo session are seeded once.
// A cluster node that cannot reach NATS, or whose NODE_ID is taken, says so in one line.
import assert from "node:assert/strict";
import { createServerDatabase } from "./support/databases.ts";
import {
  freePort,
  getJson,
  type ServiceProcess,
  startServiceProcess,
} from "./support/service_process.ts";
import { eventually } from "./support/wait.ts";
import { clusterUnavailable, NATS_URL, startCluster } from "./support/cluster.ts";

const serverUrl = Deno.env.get("TEST_DATABASE_URL");
const unavailable = await clusterUnavailable();

Deno.test({
  name: "three processes started at once on one fresh PostgreSQL database all start",
  ignore: !serverUrl && (console.warn("cluster_start: TEST_DATABASE_URL not set, skipped"), true),
  async fn() {
    const database = await createServerDatabase();
    const nodes: ServiceProcess[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        nodes.push(startServiceProcess({ DATABASE_URL: database.url, DEMO_SESSION: "true" }));
      }
      for (const node of nodes) {
        await eventually(
          async () => {
            assert.ok(node.running(), `a node exited while starting:\n${node.stderr()}`);
            const sessions = await getJson<{ total: number }>(
              `${node.url}/api/paper_trading/sessions`,
            );
            return sessions && sessions.total > 0 ? sessions : undefined;
          },
          { timeoutMs: 90_000, what: `${node.url} to answer with the demo session` },
        );
      }
      const strategies = await getJson<{ id: string }[] | { strategies: { id: string }[] }>(
        `${nodes[0].url}/api/strategies`,
      );
      const list = Array.isArray(strategies) ? strategies : strategies?.strategies ?? [];
      assert.ok(list.some((s) => s.id === "ema_cross_fast"), "the examples are seeded");
      for (const node of nodes) {
        const sessions = await getJson<{ total: number }>(`${node.url}/api/paper_trading/sessions`);
        assert.equal(sessions?.total, 1, "one demo session, not one per node");
        assert.doesNotMatch(node.stderr(), /duplicate key|uncaught/i);
      }
    } finally {
      await Promise.all(nodes.map((node) => node.kill()));
      await database.drop();
    }
  },
});

Deno.test({
  name: "a node that cannot reach NATS stops with one line and exit code 2",
  ignore: !serverUrl,
  async fn() {
    const database = await createServerDatabase();
    const node = startServiceProcess({
      DATABASE_URL: database.url,
      NATS_URL: `nats://127.0.0.1:${freePort()}`,
    });
    try {
      const status = await node.child.status;
      await node.kill();
      assert.equal(status.code, 2, node.stderr());
      assert.deepEqual(node.stderr().trim().split("\n"), [
        "cannot reach NATS at NATS_URL: connection refused",
      ]);
    } finally {
      await node.kill();
      await database.drop();
    }
  },
});

Deno.test({
  name: "a second node with a NODE_ID in use stops with one line and exit code 2",
  ignore: unavailable !== undefined,
  async fn() {
    const cluster = await startCluster(1);
    const twin = startServiceProcess({
      DATABASE_URL: cluster.databaseUrl,
      NATS_URL,
      NODE_ID: "n1",
    });
    try {
      const status = await twin.child.status;
      await twin.kill();
      assert.equal(status.code, 2, twin.stderr());
      assert.match(
        twin.stderr(),
        /^NODE_ID=n1 is in use by a live node at http:\/\/127\.0\.0\.1:\d+/,
      );
    } finally {
      await twin.kill();
      await cluster.dispose();
    }
  },
});
