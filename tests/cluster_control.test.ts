// Account-wide risk in a real 3-node cluster (three processes, the local NATS
// and PostgreSQL): limits put through one node and the kill switch pulled
// through another reach every session on every node, stored and audited once;
// a node's sessions adopted after a halt start halted; resuming through a
// third node lifts the halt everywhere; a change a node never heard of (only
// stored) is taken from the stored settings; `/api/health` shows the
// cluster's worst session lag beside each member's.
import assert from "node:assert/strict";
import { openDatabase } from "../db/mod.ts";
import { RiskTable } from "../db/stores/mod.ts";
import { clusterUnavailable, startCluster, type TestNode } from "./support/cluster.ts";
import { getJson } from "./support/service_process.ts";
import { eventually } from "./support/wait.ts";

const unavailable = await clusterUnavailable();
if (unavailable) console.warn(`cluster tests skipped: ${unavailable}`);

const SESSIONS = "/api/paper_trading/sessions";

/** A session as the API shows it (the fields read here). */
interface Session {
  readonly id: string;
  readonly status: string;
  readonly node: string | null;
  readonly position: { readonly quantity: number };
  readonly risk: { readonly state: string; readonly reason: { readonly rule: string } | null };
}

/** The account risk as a change through the API answers it (the fields read here). */
interface AccountRisk {
  readonly halted: boolean;
  readonly audit: { kind: string; flatten?: boolean }[];
  readonly reached?: { nodes: number; sessions: number; missing: string[]; failed: unknown[] };
}

async function send(
  method: string,
  url: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const response = await fetch(url, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: response.status, json: await response.json() };
}

/** A manual buy of 0.001 BTC on session `id`, sent to `node`. */
function buy(node: TestNode, id: string) {
  return send("POST", `${node.url}${SESSIONS}/${id}/orders`, { side: "buy", quantity: 0.001 });
}

Deno.test({
  name:
    "account risk in a 3-node cluster: limits and the kill switch sent to any node reach every session on every node",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const cluster = await startCluster(3);
    const [n1, n2, n3] = cluster.nodes;
    const byId = new Map(cluster.nodes.map((n) => [n.id, n]));
    /** Session `id` as its owner shows it (its live state). */
    const session = async (id: string): Promise<Session | undefined> => {
      const any = await getJson<Session>(`${n3.url}${SESSIONS}/${id}`);
      const owner = any?.node ? byId.get(any.node) : undefined;
      return owner?.running() ? await getJson<Session>(`${owner.url}${SESSIONS}/${id}`) : undefined;
    };
    /** Waits until every session in `ids` satisfies `ok`. */
    const all = (ids: readonly string[], ok: (s: Session) => boolean, what: string) =>
      eventually(async () => {
        const list = await Promise.all(ids.map(session));
        return list.every((s) => s && ok(s)) ? list as Session[] : undefined;
      }, { timeoutMs: 60_000, what });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) {
        const created = await send("POST", `${n1.url}${SESSIONS}`, {
          strategy: "ema_cross_fast",
          symbol: "BTCUSDT",
          name: `control ${i}`,
        });
        assert.equal(created.status, 201, JSON.stringify(created.json));
        ids.push((created.json as Session).id);
      }
      const placed = await all(ids, (s) => s.status === "running", "six sessions running");
      const byNode = Object.groupBy(placed, (s) => s.node!);
      for (const node of cluster.nodes) {
        assert.ok((byNode[node.id]?.length ?? 0) >= 1, `node ${node.id} runs a session`);
      }

      // Health: the cluster's worst lag, from what every member publishes in its beats.
      const health = await eventually(async () => {
        const h = await getJson<{
          cluster: {
            members: { id: string; lag_ms: number | null }[];
            lag_ms: { max: number | null; node: string | null };
          };
        }>(`${n1.url}/api/health`);
        return h?.cluster.members.every((m) => m.lag_ms !== null) ? h.cluster : undefined;
      }, { what: "every member's lag in n1's health" });
      const worst = Math.max(...health.members.map((m) => m.lag_ms!));
      assert.equal(health.lag_ms.max, worst, JSON.stringify(health));
      assert.ok(health.members.some((m) => m.id === health.lag_ms.node), "the worst lag's node");

      // Every session holds a position.
      for (const id of ids) {
        await eventually(async () => (await buy(n1, id)).status === 201 || undefined, {
          what: `a manual buy on session ${id} filling`,
        });
      }
      await all(ids, (s) => s.position.quantity > 0, "every session holding a position");

      // Limits put through n2 reach the sessions of every node (n1's among them) at once.
      const put = await send("PUT", `${n2.url}/api/risk`, { max_position_notional: 1 });
      assert.equal(put.status, 200, JSON.stringify(put.json));
      assert.deepEqual((put.json as AccountRisk).reached, {
        nodes: 3,
        sessions: 6,
        missing: [],
        failed: [],
      });
      for (const id of ids) {
        const refused = await buy(n3, id);
        assert.equal(refused.status, 422, `session ${id}: ${JSON.stringify(refused.json)}`);
        assert.match(JSON.stringify(refused.json), /max_position_notional/);
      }

      // The kill switch pulled through n1, with flatten: every session on every node halted and flat.
      const halt = await send("POST", `${n1.url}/api/risk/halt`, { flatten: true });
      assert.equal(halt.status, 200, JSON.stringify(halt.json));
      const halted = halt.json as AccountRisk;
      assert.equal(halted.halted, true);
      assert.deepEqual(halted.reached, { nodes: 3, sessions: 6, missing: [], failed: [] });
      await all(
        ids,
        (s) => s.risk.state === "halted" && s.risk.reason?.rule === "kill_switch",
        "every session halted by the kill switch",
      );
      await all(ids, (s) => s.position.quantity === 0, "every session flat");
      const account = await getJson<AccountRisk>(`${n3.url}/api/risk`);
      assert.deepEqual(
        account?.audit.map((e) => e.kind),
        ["halt", "limits"],
        "each change audited once",
      );
      assert.equal(account?.audit[0].flatten, true);
      assert.equal(account?.halted, true, "n3 knows the kill switch is on");

      // n2 dies after the halt: its sessions, adopted by n1 and n3, start halted.
      const victims = byNode.n2!.map((s) => s.id);
      await n2.kill("SIGKILL");
      const adopted = await all(
        victims,
        (s) => s.status === "running" && s.node !== "n2",
        "n2's sessions running on n1 or n3",
      );
      for (const s of adopted) {
        assert.equal(s.risk.state, "halted", `adopted session ${s.id} starts halted`);
      }

      // Resumed through n3: every session trades again, under the limits put through n2.
      const resume = await send("POST", `${n3.url}/api/risk/resume`);
      assert.equal(resume.status, 200, JSON.stringify(resume.json));
      assert.equal((resume.json as AccountRisk).halted, false);
      assert.deepEqual((resume.json as AccountRisk).reached, {
        nodes: 2,
        sessions: 6,
        missing: [],
        failed: [],
      });
      await all(ids, (s) => s.risk.state === "active", "every session active again");
      for (const id of ids) {
        const refused = await buy(n1, id);
        assert.equal(refused.status, 422, `session ${id}: ${JSON.stringify(refused.json)}`);
        assert.match(JSON.stringify(refused.json), /max_position_notional/);
      }

      // A change a node never heard of (stored, no message): the nodes take it from the settings.
      const db = await openDatabase({ url: cluster.databaseUrl });
      try {
        await new RiskTable(db).save({ halted: true }, { time: Date.now(), kind: "halt" });
      } finally {
        await db.close();
      }
      await all(ids, (s) => s.risk.state === "halted", "every session halted from the settings");
      for (const node of [n1, n3]) {
        assert.doesNotMatch(node.stderr(), /uncaught|unhandled/i, `${node.id} log`);
      }
    } finally {
      await cluster.dispose();
    }
  },
});
