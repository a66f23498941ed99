// A session restored on a node of a cluster when the market stream no longer
// holds the events after its durable state (retention; here the stream is
// gone) reports the gap as a bus gap, on the session and in health, the way
// a single node reports batches its hub no longer holds, and goes on live.
import assert from "node:assert/strict";
import { createServerDatabase } from "./support/databases.ts";
import { clusterUnavailable, startInProcessNode } from "./support/cluster.ts";
import { eventually } from "./support/wait.ts";

const unavailable = await clusterUnavailable();
if (unavailable) console.warn(`cluster tests skipped: ${unavailable}`);

const SESSIONS = "/api/paper_trading/sessions";

async function call(url: string, method: string, body?: unknown) {
  const response = await fetch(url, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${url}: ${response.status} ${text}`);
  return JSON.parse(text);
}

Deno.test({
  name: "a session restored after the stream lost what it missed counts a bus gap and goes on live",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const database = await createServerDatabase();
    const env = { DATABASE_URL: database.url };
    try {
      const first = await startInProcessNode({ env });
      let id: string;
      try {
        const session = await call(`${first.server.url}${SESSIONS}`, "POST", {
          strategy: "ema_cross_fast",
          symbol: "BTCUSDT",
        });
        id = session.id;
        // A market order needs a price: wait for the session's first trade.
        await eventually(async () => {
          const view = await call(`${first.server.url}${SESSIONS}/${id}`, "GET");
          return view.last_price !== null || undefined;
        }, { timeoutMs: 30_000, what: "the new session's first market price" });
        await call(`${first.server.url}${SESSIONS}/${id}/orders`, "POST", {
          side: "buy",
          quantity: 0.001,
        });
      } finally {
        // Stops the node and deletes the cluster's market stream: nothing since the state is left.
        await first.dispose();
      }
      const second = await startInProcessNode({ env });
      try {
        const restored = await eventually(async () => {
          const session = await call(`${second.server.url}${SESSIONS}/${id}`, "GET");
          return session.status === "running" && session.node === "solo" ? session : undefined;
        }, { timeoutMs: 30_000, what: "the session running again on the new node" });
        assert.equal(restored.bus_gaps, 1, "the events the stream no longer holds are one gap");
        const health = await call(`${second.server.url}/api/health`, "GET");
        assert.equal(health.sessions.bus_gaps, 1, JSON.stringify(health.sessions));
        await eventually(() => second.server.service.supervisor.lagMs(id) === 0 || undefined, {
          what: "the restored session following the live market",
        });
      } finally {
        await second.dispose();
      }
    } finally {
      await database.drop();
    }
  },
});
