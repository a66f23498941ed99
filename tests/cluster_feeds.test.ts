// Market feeds in a real cluster (node processes, the local NATS and
// PostgreSQL): the feed leases spread over the nodes, move to a node that
// joins, and a node taking a simulated feed over goes on after its last trade.
import assert from "node:assert/strict";
import { clusterUnavailable, NATS_URL, startCluster, type TestNode } from "./support/cluster.ts";
import { getJson, startServiceProcess } from "./support/service_process.ts";
import { eventually } from "./support/wait.ts";

const unavailable = await clusterUnavailable();
if (unavailable) console.warn(`cluster tests skipped: ${unavailable}`);

const SYMBOLS = "BTCUSDT,ETHUSDT,SOLUSDT";

/** Which node ingests which feed, as `node` sees it. */
async function feeds(node: TestNode): Promise<Map<string, string>> {
  const health = await getJson<{ cluster: { feeds: { feed: string; node: string }[] } }>(
    `${node.url}/api/health`,
  );
  return new Map((health?.cluster.feeds ?? []).map((f) => [f.feed, f.node]));
}

/** Feeds held per node id. */
function load(holders: Map<string, string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const node of holders.values()) out[node] = (out[node] ?? 0) + 1;
  return out;
}

async function btcTrades(node: TestNode): Promise<{ id: number; price: number; time: number }[]> {
  const page = await getJson<{ trades: { id: number; price: number; time: number }[] }>(
    `${node.url}/api/market/BTCUSDT/trades?limit=200`,
  );
  return page?.trades ?? [];
}

Deno.test({
  name:
    "feed leases spread over the nodes, rebalance when a node joins, and a sim feed taken over goes on after its last trade",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const cluster = await startCluster(2, { SYMBOLS });
    const [n1, n2] = cluster.nodes;
    let n3: TestNode | undefined;
    try {
      const spread = await eventually(async () => {
        const holders = await feeds(n1);
        const counts = load(holders);
        return holders.size === 3 && counts.n1 >= 1 && counts.n2 >= 1 ? counts : undefined;
      }, { timeoutMs: 30_000, what: "three feeds held by both nodes" });
      assert.deepEqual(Object.values(spread).sort(), [1, 2], JSON.stringify(spread));

      // A third node joins: one feed moves to it.
      n3 = Object.assign(
        startServiceProcess({
          DATABASE_URL: cluster.databaseUrl,
          NATS_URL,
          NODE_ID: "n3",
          CLUSTER_LEASE_MS: "2000",
          SYMBOLS,
        }),
        { id: "n3" },
      );
      const balanced = await eventually(async () => {
        if (!n3!.running()) throw new Error(`n3 exited:\n${n3!.stderr()}`);
        const holders = await feeds(n1);
        const counts = load(holders);
        return holders.size === 3 && counts.n1 === 1 && counts.n2 === 1 && counts.n3 === 1
          ? holders
          : undefined;
      }, { timeoutMs: 45_000, what: "each of three nodes ingesting one feed after n3 joined" });

      // The node ingesting BTCUSDT dies; the node taking it over goes on after its last trade.
      const holderId = balanced.get("sim.BTCUSDT")!;
      const all = [n1, n2, n3];
      const holder = all.find((n) => n.id === holderId)!;
      const observer = all.find((n) => n.id !== holderId)!;
      const before = await eventually(async () => {
        const trades = await btcTrades(observer);
        return trades.length > 10 ? trades : undefined;
      }, { what: `${observer.id} showing BTCUSDT trades` });
      await holder.kill("SIGKILL");
      const killedAt = Date.now();
      const lastBefore = Math.max(...(await btcTrades(observer)).map((t) => t.id));
      const lastPrice = (await btcTrades(observer)).find((t) => t.id === lastBefore)!.price;
      const after = await eventually(async () => {
        const moved = (await feeds(observer)).get("sim.BTCUSDT");
        const fresh = (await btcTrades(observer)).filter((t) => t.time > killedAt);
        return moved && moved !== holderId && fresh.length > 5 ? fresh : undefined;
      }, { timeoutMs: 30_000, what: `another node ingesting BTCUSDT after ${holderId} died` });
      assert.ok(before.length > 0);
      const ids = after.map((t) => t.id);
      assert.ok(
        Math.min(...ids) > lastBefore,
        `trade ids go on after ${lastBefore} (not again from 1): ${ids.slice(0, 5).join(", ")}…`,
      );
      const first = after.reduce((a, b) => a.id < b.id ? a : b);
      assert.ok(
        Math.abs(first.price / lastPrice - 1) < 0.01,
        `the price goes on from ${lastPrice} (first after: ${first.price})`,
      );
    } finally {
      await n3?.kill();
      await cluster.dispose();
    }
  },
});
