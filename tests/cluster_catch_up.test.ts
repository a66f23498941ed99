// A session that moves to another node (its node SIGKILLed) replays from the
// market stream every event it missed since its last durable state before it
// takes live ones: its fills across the failover equal those of the same
// strategy run on a surviving node over the same trades (parity), none twice,
// none missing. A real 3-node cluster (three processes, the local NATS and
// PostgreSQL) on the deterministic simulated feed.
import assert from "node:assert/strict";
import type { Fill } from "../engine/core/execution/mod.ts";
import { clusterUnavailable, startCluster, type TestNode } from "./support/cluster.ts";
import { getJson } from "./support/service_process.ts";
import { eventually } from "./support/wait.ts";

const unavailable = await clusterUnavailable();
if (unavailable) console.warn(`cluster tests skipped: ${unavailable}`);

const SESSIONS = "/api/paper_trading/sessions";

/**
 * Long after every rising 1-second candle, flat after every falling one: its
 * position after a candle depends on that candle only, so two sessions that
 * started at different moments trade alike from their first whole candle on.
 */
const UP_DOWN = {
  version: 1,
  name: "up-down",
  timeframe: "1s",
  entry: { long: { gt: ["close", "open"] } },
  exit: { long: { lt: ["close", "open"] } },
  sizing: { type: "fixed_quantity", value: 0.01 },
};

/** A session as the API shows it (the fields read here). */
interface Session {
  readonly id: string;
  readonly status: string;
  readonly node: string | null;
  readonly bus_gaps: number;
}

async function sessions(node: TestNode): Promise<Session[] | undefined> {
  return (await getJson<{ sessions: Session[] }>(`${node.url}${SESSIONS}?limit=200`))?.sessions;
}

/** A session's fills as `node` shows them, oldest first (undefined when it does not answer). */
async function fills(node: TestNode, id: string): Promise<Fill[] | undefined> {
  const page = await getJson<{ items: Fill[] }>(`${node.url}${SESSIONS}/${id}/trades?limit=1000`);
  return page?.items.toSorted((a, b) => a.time - b.time || a.id.localeCompare(b.id));
}

/** The node ingesting BTCUSDT for the cluster, as `node` sees it. */
async function feedHolder(node: TestNode): Promise<string | undefined> {
  const health = await getJson<{ cluster: { feeds: { feed: string; node: string }[] } }>(
    `${node.url}/api/health`,
  );
  return health?.cluster.feeds.find((f) => f.feed === "sim.BTCUSDT")?.node;
}

/** What two runs of one strategy over the same trades must agree on (ids differ by session). */
function outcome(fill: Fill): string {
  return `${fill.time} ${fill.side} ${fill.quantity} @ ${fill.price} fee ${fill.fee}`;
}

Deno.test({
  name:
    "sessions moved by a SIGKILL replay what they missed from the stream: their fills equal a surviving node's run of the same strategy, none twice, none missing",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    // Leases of 6 s: the moved sessions miss several candles, on which the strategy trades.
    const cluster = await startCluster(3, { CLUSTER_LEASE_MS: "6000" });
    const [n1] = cluster.nodes;
    try {
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) {
        const response = await fetch(`${n1.url}${SESSIONS}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ strategy: UP_DOWN, symbol: "BTCUSDT", name: `up-down ${i}` }),
          signal: AbortSignal.timeout(30_000),
        });
        const body = await response.json();
        assert.equal(response.status, 201, JSON.stringify(body));
        ids.push(body.id);
      }
      const placed = await eventually(async () => {
        const mine = (await sessions(n1))?.filter((s) => ids.includes(s.id));
        return mine?.every((s) => s.status === "running" && s.node) ? mine : undefined;
      }, { timeoutMs: 60_000, what: "all six sessions running with an owner" });
      // From here on every session has seen whole candles only: all trade alike.
      const from = Date.now() + 3_000;
      await eventually(async () => {
        for (const { id } of placed) {
          const list = await fills(n1, id);
          if (!list || list.filter((f) => f.time > from).length < 2) return undefined;
        }
        return true;
      }, { timeoutMs: 60_000, what: "two fills of every session after the warm-up" });

      // The victim runs sessions but does not ingest the feed: trades go on while its sessions
      // move. Asked just before the kill: the cluster may hand a feed over as its nodes settle.
      const holder = await eventually(() => feedHolder(n1), {
        timeoutMs: 30_000,
        what: "a node ingesting BTCUSDT",
      });
      const victim = cluster.nodes.find((node) =>
        node.id !== holder && placed.some((s) => s.node === node.id)
      );
      assert.ok(victim, `a node other than the ingesting ${holder} runs sessions`);
      const moved = placed.filter((s) => s.node === victim.id).map((s) => s.id);
      const reference = placed.find((s) => s.node !== victim.id)!.id;
      const survivor = cluster.nodes.find((node) => node !== victim)!;

      await victim.kill("SIGKILL");
      const killedAt = Date.now();
      await eventually(async () => {
        const list = (await sessions(survivor))?.filter((s) => moved.includes(s.id));
        return list?.every((s) => s.status === "running" && s.node && s.node !== victim.id)
          ? true
          : undefined;
      }, { timeoutMs: 30_000, what: `${victim.id}'s sessions running on the other nodes` });
      const resumedAt = Date.now();
      console.log(`${moved.length} sessions moved ${resumedAt - killedAt} ms after the SIGKILL`);

      // Compared up to a moment every session has passed (each trades every few seconds).
      const to = resumedAt + 5_000;
      const compared = [reference, ...moved];
      const runs = await eventually(async () => {
        const out = new Map<string, Fill[]>();
        for (const id of compared) {
          const list = await fills(survivor, id);
          if (!list?.some((f) => f.time > to)) return undefined;
          out.set(id, list);
        }
        return out;
      }, {
        timeoutMs: 60_000,
        what: "fills after the move on the moved and the reference sessions",
      });

      const expected = runs.get(reference)!.filter((f) => f.time > from && f.time <= to);
      // What the moved sessions could only have from the stream: the trades while they had no node.
      const missed = expected.filter((f) => f.time > killedAt && f.time <= resumedAt);
      console.log(
        `the reference filled ${missed.length} times while the moved sessions had no node`,
      );
      let replayed = 0;
      for (const node of cluster.nodes.filter((n) => n !== victim)) {
        const health = await getJson<{ feed: { caught_up_events: number } }>(
          `${node.url}/api/health`,
        );
        replayed += health?.feed.caught_up_events ?? 0;
      }
      assert.ok(
        replayed >= moved.length * (resumedAt - killedAt) / 1_000,
        `the moved sessions replayed the events of the ${
          resumedAt - killedAt
        } ms they had no node (${replayed})`,
      );
      for (const id of moved) {
        const all = runs.get(id)!;
        assert.equal(new Set(all.map((f) => f.id)).size, all.length, `${id}: no fill twice`);
        assert.deepEqual(
          all.filter((f) => f.time > from && f.time <= to).map(outcome),
          expected.map(outcome),
          `${id}: fills across the failover equal the reference's (${reference} on a surviving node)`,
        );
      }
      const after = (await sessions(survivor))!.filter((s) => moved.includes(s.id));
      for (const session of after) assert.equal(session.bus_gaps, 0, `${session.id}: no gap`);
      for (const node of cluster.nodes.filter((n) => n !== victim)) {
        assert.doesNotMatch(node.stderr(), /uncaught|unhandled|catching up .* failed/i, node.id);
      }
    } finally {
      await cluster.dispose();
    }
  },
});
