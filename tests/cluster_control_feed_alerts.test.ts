// Feed outage alerts in a real 3-node cluster (three processes, the local
// NATS and PostgreSQL, a local stand-in for the exchange): when the exchange
// goes away, `feed_down` is raised once for the cluster, by the node that
// ingests the feed, not once per node.
import assert from "node:assert/strict";
import { clusterUnavailable, startCluster } from "./support/cluster.ts";
import { startFakeBinance } from "./support/fake_binance.ts";
import { getJson } from "./support/service_process.ts";
import { eventually } from "./support/wait.ts";

const unavailable = await clusterUnavailable();
if (unavailable) console.warn(`cluster tests skipped: ${unavailable}`);

/** How long after the first `feed_down` the others would have been raised (feed checks are 1 s apart). */
const SETTLE_MS = 5_000;

Deno.test({
  name: "a feed outage is alerted once per cluster, by the node ingesting the feed",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const exchange = await startFakeBinance();
    let closed = false;
    const cluster = await startCluster(3, {
      FEED: "binance",
      SYMBOLS: "BTCUSDT",
      BINANCE_WS_URL: exchange.wsUrl,
      BINANCE_REST_URL: exchange.restUrl,
      // Nothing answers there: alerts stay in the outbox, where the test counts them.
      WEBHOOK_URLS: "http://127.0.0.1:9/hook",
    });
    const [n1] = cluster.nodes;
    try {
      const holder = await eventually(async () => {
        const health = await getJson<{ cluster: { feeds: { feed: string; node: string }[] } }>(
          `${n1.url}/api/health`,
        );
        const node = health?.cluster.feeds.find((f) => f.feed === "binance.BTCUSDT")?.node;
        return node && exchange.connections.length > 0 ? node : undefined;
      }, { timeoutMs: 60_000, what: "one node ingesting BTCUSDT from the exchange" });
      await new Promise((resolve) => setTimeout(resolve, 2_000)); // every node's watch has a baseline

      await exchange.close();
      closed = true;
      const downs = async () =>
        (await getJson<{ items: { kind: string }[] }>(`${n1.url}/api/alerts?limit=200`))
          ?.items.filter((a) => a.kind === "feed_down") ?? [];
      await eventually(async () => (await downs()).length > 0 || undefined, {
        timeoutMs: 30_000,
        what: `feed_down after the exchange went away (ingested by ${holder})`,
      });
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      assert.equal((await downs()).length, 1, "one feed_down for the cluster (one target)");
    } finally {
      if (!closed) await exchange.close();
      await cluster.dispose();
    }
  },
});
