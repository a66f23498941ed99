/**
 * Cluster benchmarks, on the local NATS server and PostgreSQL: failover time
 * of a 3-node cluster, JetStream fan-out of one feed to 3 nodes, the catch-up
 * of a restored session from the stream, and tick-to-durable p99 of a
 * clustered node against a single node on the same PostgreSQL server, in
 * this one run. Skipped, saying why, when NATS or
 * PostgreSQL does not answer (`BENCH_NATS_URL`, `BENCH_DATABASE_URL`).
 */
import postgres from "postgres";
import { BenchSkipped, type Figure, summarise } from "./figure.ts";
import { BenchFeed } from "../fixtures/bench_feed.ts";
import { latency } from "./sessions.ts";
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
const SERVER_URL = Deno.env.get("BENCH_DATABASE_URL") ?? Deno.env.get("TEST_DATABASE_URL") ??
  "postgres://postgres@127.0.0.1:5432/postgres";
/** How long any awaited state of a benchmark may take before it fails. */
const DEADLINE_MS = 120_000;

/** A fresh database on the PostgreSQL server, and how to drop it (with its cluster's market stream). */
interface BenchDatabase {
  readonly url: string;
  drop(options?: { clustered: boolean }): Promise<void>;
}

async function freshDatabase(): Promise<BenchDatabase> {
  const admin = postgres(SERVER_URL, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  const name = `paper_bench_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  await admin.unsafe(`create database ${name}`);
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    async drop(options = { clustered: false }) {
      if (options.clustered) {
        const db = await openDatabase({ url: url.href });
        await deleteMarketStream(NATS_URL, await new LeaseTable(db).clusterId())
          .finally(() => db.close());
      }
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/** Why the cluster benchmarks cannot run here, or undefined when NATS and PostgreSQL answer. */
async function unavailable(): Promise<string | undefined> {
  try {
    await (await connectNats(NATS_URL, 3_000)).close();
  } catch (error) {
    return `no NATS server answers at ${NATS_URL} (${(error as Error).message})`;
  }
  try {
    await (await freshDatabase()).drop();
  } catch (error) {
    return `no PostgreSQL server to create a database on (${(error as Error).message})`;
  }
  return undefined;
}

async function until<T>(check: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = performance.now() + DEADLINE_MS;
  while (true) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (performance.now() > deadline) {
      throw new Error(`cluster bench: ${what} within ${DEADLINE_MS} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Tick-to-durable p99 of one node of a cluster and of a single node, both on PostgreSQL. */
async function durableP99(sessions: number, seconds: number): Promise<Figure[]> {
  const out: Figure[] = [];
  for (const [label, cluster] of [["single_node", false], ["clustered", true]] as const) {
    const database = await freshDatabase();
    try {
      const env: Record<string, string> = { DATABASE_URL: database.url };
      if (cluster) Object.assign(env, { NATS_URL, NODE_ID: "bench", LOG_LEVEL: "warn" });
      const p99 = (await latency(sessions, seconds, env))
        .find((f) => f.name.startsWith("tick_to_durable_p99_"))!;
      out.push({ ...p99, name: `tick_to_durable_p99_${label}_ms` });
    } finally {
      await database.drop({ clustered: cluster });
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
    return summarise(samples, {
      name: "jetstream_fanout_trades_per_s_3_nodes",
      unit: "trades/s",
      better: "higher",
    });
  } finally {
    for (const feed of feeds) await feed.close();
    for (const nc of connections) await nc.close();
    await db.close();
    await database.drop({ clustered: true });
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
    await database.drop({ clustered: true });
  }
}

/** A node process of the failover benchmark. */
interface BenchNode {
  readonly id: string;
  readonly url: string;
  child: Deno.ChildProcess;
}

function spawnNode(node: { id: string; url: string }, databaseUrl: string): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--unstable-worker-options",
      "-A",
      new URL("../main.ts", import.meta.url).pathname,
    ],
    env: {
      FEED: "sim",
      DEMO_SESSION: "false",
      SYMBOLS: "BTCUSDT",
      LOG_LEVEL: "error",
      DATABASE_URL: databaseUrl,
      NATS_URL,
      NODE_ID: node.id,
      PORT: new URL(node.url).port,
    },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
}

function freeUrl(): string {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return `http://127.0.0.1:${port}`;
}

async function json<T>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return await response.json() as T;
}

/** The owner of each session `observer` lists, when every one of them runs. */
async function owners(observer: BenchNode, count: number): Promise<Map<string, string>> {
  const { sessions } = await json<{ sessions: { id: string; status: string; node: string }[] }>(
    `${observer.url}/api/paper_trading/sessions?limit=${count}`,
  );
  if (sessions.length < count || sessions.some((s) => s.status !== "running" || !s.node)) {
    throw new Error("not every session runs");
  }
  return new Map(sessions.map((s) => [s.id, s.node]));
}

async function aliveMembers(node: BenchNode): Promise<number> {
  const health = await json<{ cluster: { members: { alive: boolean }[] } }>(
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
    for (let i = 0; i < count; i++) {
      const response = await fetch(`${nodes[0].url}/api/paper_trading/sessions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ strategy: "ema_cross_fast", symbol: "BTCUSDT" }),
      });
      if (response.status !== 201) throw new Error(`create session: ${await response.text()}`);
    }
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
    for (const node of nodes) {
      try {
        node.child?.kill("SIGKILL");
        await node.child?.status;
      } catch { /* already gone */ }
    }
    await database.drop({ clustered: true });
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
