/**
 * A real cluster on this machine for tests: three service processes (nodes)
 * on one fresh PostgreSQL database and the local NATS server. Tests skip,
 * saying why, when NATS or PostgreSQL is not reachable.
 */
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { createServerDatabase } from "./databases.ts";
import { getJson, type ServiceProcess, startServiceProcess } from "./service_process.ts";
import { eventually } from "./wait.ts";
import { startTestServer, type TestServer, type TestServerOptions } from "./server.ts";
import { LeaseTable } from "../../db/stores/mod.ts";

/** NATS server the cluster tests use. */
export const NATS_URL = Deno.env.get("TEST_NATS_URL") ?? "nats://127.0.0.1:4222";

/** Why cluster tests cannot run here, or undefined when NATS and PostgreSQL answer. */
export async function clusterUnavailable(): Promise<string | undefined> {
  if (!Deno.env.get("TEST_DATABASE_URL")) return "TEST_DATABASE_URL is not set (no PostgreSQL)";
  const nats = new URL(NATS_URL.replace(/^nats:/, "http:"));
  try {
    const conn = await Deno.connect({
      hostname: nats.hostname,
      port: Number(nats.port || 4222),
    });
    conn.close();
  } catch {
    return `no NATS server answers at ${NATS_URL}`;
  }
  return undefined;
}

/** A node of a test cluster. */
export interface TestNode extends ServiceProcess {
  readonly id: string;
}

/** The cluster's nodes and its database, and how to take it down. */
export interface TestCluster {
  readonly nodes: TestNode[];
  readonly databaseUrl: string;
  /** Kills every node and drops the database. */
  dispose(): Promise<void>;
}

/** A member as `/api/health` lists it. */
interface HealthMember {
  readonly id: string;
  readonly alive: boolean;
}

/**
 * Starts `count` nodes (`NODE_ID` n1, n2, …) with a simulated feed on a fresh
 * database; resolves once each one lists all of them as alive members.
 */
export async function startCluster(
  count: number,
  env: Record<string, string> = {},
): Promise<TestCluster> {
  const database = await createServerDatabase();
  const nodes: TestNode[] = [];
  for (let i = 1; i <= count; i++) {
    const id = `n${i}`;
    const process = startServiceProcess({
      DATABASE_URL: database.url,
      NATS_URL,
      NODE_ID: id,
      CLUSTER_LEASE_MS: "2000",
      ...env,
    });
    nodes.push(Object.assign(process, { id }));
  }
  let clusterId: string | undefined;
  const cluster = {
    nodes,
    databaseUrl: database.url,
    async dispose() {
      await Promise.all(nodes.map((node) => node.kill()));
      await database.drop();
      if (clusterId) await deleteStream(`MARKET_${clusterId}`);
    },
  };
  try {
    for (const node of nodes) {
      await eventually(async () => {
        if (!node.running()) throw new Error(`node ${node.id} exited:\n${node.stderr()}`);
        const health = await getJson<{ cluster?: { id: string; members: HealthMember[] } }>(
          `${node.url}/api/health`,
        );
        clusterId ??= health?.cluster?.id;
        const alive = health?.cluster?.members.filter((m) => m.alive).length ?? 0;
        return alive === count ? true : undefined;
      }, { timeoutMs: 90_000, what: `node ${node.id} to see ${count} live members` });
    }
  } catch (error) {
    await cluster.dispose();
    throw error;
  }
  return cluster;
}

/** Deletes a test cluster's market stream from the NATS server (it outlives the cluster). */
async function deleteStream(name: string): Promise<void> {
  const nc = await connect({ servers: NATS_URL });
  try {
    await (await jetstreamManager(nc)).streams.delete(name).catch(() => {});
  } finally {
    await nc.close();
  }
}

/** A node of a cluster in this process (`NODE_ID` solo) on a fresh database, and how to take it down. */
export interface InProcessNode {
  readonly server: TestServer;
  /** Its database (another node may join on it). */
  readonly databaseUrl: string;
  /** Stops the node, drops its database and deletes its market stream. */
  dispose(): Promise<void>;
}

/** Starts one cluster node in this process, on a fresh database and the local NATS server. */
export async function startInProcessNode(options: TestServerOptions = {}): Promise<InProcessNode> {
  const database = await createServerDatabase();
  const server = await startTestServer({
    ...options,
    env: {
      DATABASE_URL: database.url,
      NATS_URL,
      NODE_ID: "solo",
      CLUSTER_LEASE_MS: "1000",
      ...options.env,
    },
  });
  const clusterId = await new LeaseTable(server.service.db).clusterId();
  return {
    server,
    databaseUrl: database.url,
    async dispose() {
      await server.stop();
      await database.drop();
      await deleteStream(`MARKET_${clusterId}`);
    },
  };
}
