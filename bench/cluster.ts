/**
 * Cluster benchmarks, on the local NATS server and PostgreSQL: failover time
 * of a 3-node cluster, JetStream fan-out of one feed to 3 nodes, the catch-up
 * of a restored session from the stream, and tick-to-durable p99 of a
 * clustered node against a single node on the same PostgreSQL server, in
 * this one run. Skipped, saying why, when NATS or PostgreSQL does not answer
 * (`BENCH_NATS_URL`, `BENCH_DATABASE_URL`).
 */
import { BenchSkipped, type Figure, summarise, tradeRate } from "./figure.ts";
import { BenchFeed } from "../fixtures/bench_feed.ts";
import { latency } from "./sessions.ts";
import { freshDatabase, postgresUnavailable } from "./_postgres.ts";
import type { ServerDatabase } from "../fixtures/server_database.ts";
import {
  createSessions,
  freeUrl,
  getJson,
  killService,
  spawnService,
  until,
} from "./_service_process.ts";
import { openDatabase } from "../db/mod.ts";
import { LeaseTable } from "../db/stores/mod.ts";
import { SharedFeed } from "../engine/runtime/cluster/shared_feed.ts";
import {
  connectNats,
  deleteMarketStream,
  type NatsConnection,
} from "../engine/runtime/cluster/nats.ts";
import { createLogger } from "../engine/runtime/log.ts";
import { SimFeed } from "../engine/runtime/market/sim_feed.ts";
import type { MarketEvent, Trade } from "../engine/core/types.ts";

const NATS_URL = Deno.env.get("BENCH_NATS_URL") ?? "nats://127.0.0.1:4222";

/** Drops a database a cluster ran on, with the cluster's market stream. */
async function dropClustered(database: ServerDatabase): Promise<void> {
  const db = await openDatabase({ url: database.url });
  await deleteMarketStream(NATS_URL, await new LeaseTable(db).clusterId())
    .finally(() => db.close());
  await database.drop();
}

/** Why the cluster benchmarks cannot run here, or undefined when NATS and PostgreSQL answer. */
async function unavailable(): Promise<string | undefined> {
  try {
    await (await connectNats(NATS_URL, 3_000)).close();
  } catch (error) {
    return `no NATS server answers at ${NATS_URL} (${(error as Error).message})`;
  }
  return await postgresUnavailable();
}

/** Tick-to-durable p99 of one node of a cluster and of a single node, both on PostgreSQL. */
async function durableP99(sessions: number, seconds: number): Promise<Figure[]> {
  const out: Figure[] = [];
  for (const [label, cluster] of [["single_node", false], ["clustered", true]] as const) {
    const database = await freshDatabase();
    try {
      const env: Record<string, string> = { DATABASE_URL: database.url };
      if (cluster) Object.assign(env, { NATS_URL, NODE_ID: "bench", LOG_LEVEL: "warn" });
      const p99 = (await latency(sessions, seconds, { env }))
        .find((f) => f.name.startsWith("tick_to_durable_p99_"))!;
      out.push({ ...p99, name: `tick_to_durable_p99_${label}_ms` });
    } finally {
      await (cluster ? dropClustered(database) : database.drop());
    }
  }
  return out;
}

/** Trades/s one ingesting node publishes to the stream and each of 3 nodes reads from it. */
async function fanout(trades: number, runs: number): Promise<Figure> {
  const database = await freshDatabase();
  const db = await openDatabase({ url: database.url });
  const clusterId = await new LeaseTable(db).clusterId();
  const connections: NatsConnection[] = [];
  const feeds: SharedFeed[] = [];
  const ingest = new BenchFeed();
  const received = [0, 0, 0];
  try {
    for (let n = 0; n < 3; n++) {
      const nc = await connectNats(NATS_URL);
      connections.push(nc);
      const feed = new SharedFeed(n === 0 ? ingest : new BenchFeed(), {
        nc,
        clusterId,
        db,
        nodeId: `bench${n}`,
        leaseMs: 30_000,
        retentionMs: 600_000,
        log: createLogger("error"),
      });
      feeds.push(feed);
      await feed.start(["BTCUSDT"], (event: MarketEvent) => {
        if (event.type === "trade") received[n]++;
      });
    }
    await until(
      () => Promise.resolve(feeds.every((f) => f.status().connected) || undefined),
      "every node reads the stream",
    );
    const samples: number[] = [];
    for (let run = 0; run < runs; run++) {
      const target = received.map((r) => r + trades);
      const started = performance.now();
      for (let i = 0; i < trades; i += 1_000) {
        for (let k = 0; k < 1_000; k++) ingest.emit();
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      await until(
        () => Promise.resolve(received.every((r, n) => r >= target[n]) || undefined),
        `3 nodes read ${trades} trades (read ${received.join(", ")})`,
      );
      samples.push(trades / ((performance.now() - started) / 1000));
    }
    return summarise(samples, tradeRate("jetstream_fanout_trades_per_s_3_nodes"));
  } finally {
    for (const feed of feeds) await feed.close();
    for (const nc of connections) await nc.close();
    await db.close();
    await dropClustered(database);
  }
}

/**
 * ms a node takes to read from the stream what a session restored `seconds`
 * after its last durable state missed (the simulated market: 20 trades and
 * 20 quotes a second), before the session's worker starts.
 */
async function catchUp(seconds: number, runs: number): Promise<Figure> {
  const database = await freshDatabase();
  const db = await openDatabase({ url: database.url });
  const nc = await connectNats(NATS_URL);
  const feed = new SharedFeed(new SimFeed(), {
    nc,
    clusterId: await new LeaseTable(db).clusterId(),
    db,
    nodeId: "bench",
    leaseMs: 30_000,
    retentionMs: 600_000,
    log: createLogger("error"),
  });
  const trades: Trade[] = [];
  try {
    await feed.start(["BTCUSDT"], (event) => event.type === "trade" && trades.push(event));
    const span = () => trades.length === 0 ? 0 : trades.at(-1)!.time - trades[0].time;
    await until(
      () => Promise.resolve(span() > seconds * 1000 + 1000 || undefined),
      `${seconds} s of simulated trades in the stream`,
    );
    const samples: number[] = [];
    let events = 0;
    for (let run = 0; run < runs; run++) {
      const last = trades.findLast((t) => t.time <= trades.at(-1)!.time - seconds * 1000)!;
      const point = { BTCUSDT: { trade: last.id, quote: last.id, time: last.time } };
      const started = performance.now();
      const caught = await feed.catchUp(["BTCUSDT"], point, "1s", () => 0);
      samples.push(performance.now() - started);
      events = caught.replay.BTCUSDT.length;
    }
    console.error(`  catch-up: ${events} events replayed for ${seconds} s missed`);
    return summarise(samples, {
      name: `failover_catch_up_${seconds}s_ms`,
      unit: "ms",
      better: "lower",
    });
  } finally {
    await feed.close();
    await nc.close();
    await db.close();
    await dropClustered(database);
  }
}

/** A node process of the failover benchmark. */
interface BenchNode {
  readonly id: string;
  readonly url: string;
  child: Deno.ChildProcess;
}

function spawnNode(node: { id: string; url: string }, databaseUrl: string): Deno.ChildProcess {
  return spawnService(node.url, { DATABASE_URL: databaseUrl, NATS_URL, NODE_ID: node.id });
}

/** The owner of each session `observer` lists, when every one of them runs. */
async function owners(observer: BenchNode, count: number): Promise<Map<string, string>> {
  const { sessions } = await getJson<{ sessions: { id: string; status: string; node: string }[] }>(
    `${observer.url}/api/paper_trading/sessions?limit=${count}`,
  );
  if (sessions.length < count || sessions.some((s) => s.status !== "running" || !s.node)) {
    throw new Error("not every session runs");
  }
  return new Map(sessions.map((s) => [s.id, s.node]));
}

async function aliveMembers(node: BenchNode): Promise<number> {
  const health = await getJson<{ cluster: { members: { alive: boolean }[] } }>(
    `${node.url}/api/health`,
  );
  return health.cluster.members.filter((m) => m.alive).length;
}

/**
 * Seconds from SIGKILL of the busier of two nodes of a 3-node cluster
 * running `count` sessions until every one of its sessions runs on another
 * node (default lease); the node is started again between runs (the log
 * line shows how many sessions each run moved).
 */
async function failover(count: number, runs: number): Promise<Figure> {
  const database = await freshDatabase();
  const nodes: BenchNode[] = ["b1", "b2", "b3"].map((id) => ({ id, url: freeUrl(), child: null! }));
  const moved: number[] = [];
  try {
    for (const node of nodes) node.child = spawnNode(node, database.url);
    for (const node of nodes) {
      await until(
        async () => (await aliveMembers(node)) === 3 || undefined,
        `${node.id} sees 3 nodes`,
      );
    }
    await createSessions(nodes[0].url, count);
    const samples: number[] = [];
    for (let run = 0; run < runs; run++) {
      const placed = await until(() => owners(nodes[0], count), `${count} sessions running`);
      const load = (id: string) => [...placed.values()].filter((n) => n === id).length;
      // The busier of the two nodes that did not create the sessions dies; the first one watches.
      const victim = nodes.slice(1).reduce((a, b) => load(b.id) > load(a.id) ? b : a);
      const observer = nodes[0];
      moved.push(load(victim.id));
      victim.child.kill("SIGKILL");
      await victim.child.status;
      const killed = performance.now();
      await until(async () => {
        const now = await owners(observer, count);
        return [...now.values()].every((n) => n !== victim.id) || undefined;
      }, `sessions of ${victim.id} running elsewhere`);
      samples.push((performance.now() - killed) / 1000);
      victim.child = spawnNode(victim, database.url);
      await until(async () => (await aliveMembers(observer)) === 3 || undefined, "3 nodes again");
    }
    console.error(`  failover: sessions on the killed node per run: ${moved.join(", ")}`);
    return summarise(samples, {
      name: `cluster_failover_${count}_sessions_s`,
      unit: "s",
      better: "lower",
      target: 10,
    });
  } finally {
    for (const node of nodes) if (node.child) await killService(node.child);
    await dropClustered(database);
  }
}

/** The cluster benchmarks (skipped with the reason when NATS or PostgreSQL does not answer). */
export async function benchCluster(options: { quick: boolean }): Promise<Figure[]> {
  const reason = await unavailable();
  if (reason) throw new BenchSkipped(reason);
  const { quick } = options;
  return [
    ...await durableP99(quick ? 5 : 20, quick ? 1 : 2),
    await fanout(quick ? 20_000 : 100_000, 5),
    await catchUp(quick ? 10 : 30, 5),
    await failover(quick ? 20 : 100, quick ? 1 : 5),
  ];
}

if (import.meta.main) {
  console.log(
    JSON.stringify(await benchCluster({ quick: Deno.args.includes("--quick") }), null, 2),
  );
}
