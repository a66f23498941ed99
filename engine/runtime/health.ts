/**
 * The service's health: database, feed, session counters, their workers and
 * how far sessions are behind the market, the live connections held, restore
 * progress at start, the persister's queue (and outage), and the main thread's
 * event-loop lag.
 */
import { BEHIND_MS } from "../../contract/mod.ts";
import { DatabaseUnavailableError, type Db } from "../../db/mod.ts";
import { ping } from "../../db/stores/mod.ts";
import { settledWithin } from "./deadline.ts";
import type { AlertHealth } from "./alerts/mod.ts";
import type { SessionCap } from "./config.ts";
import type { LiveConnections } from "./live_connections.ts";
import type { Logger } from "./log.ts";
import type { MarketHub } from "./market/mod.ts";
import type { Persister } from "./persister.ts";
import type { RestoreProgress } from "./sessions.ts";
import type { Supervisor } from "./supervisor.ts";

/** How long the health check waits for the database to answer. */
const DB_CHECK_MS = 2_000;

/** The health report as `GET /api/health` shows it. */
export interface Health {
  readonly status: "ok" | "degraded";
  readonly simulated: boolean;
  readonly db: { readonly kind: Db["kind"]; readonly ok: boolean; readonly error?: string };
  readonly feed: ReturnType<MarketHub["health"]>["feed"];
  readonly market: ReturnType<MarketHub["health"]>;
  readonly sessions: {
    readonly live: number;
    readonly max: number;
    /** What set `max` (`MAX_SESSIONS`, or the lower of the memory's and the cores' bounds). */
    readonly cap: SessionCap;
    readonly by_status: Record<string, number>;
    readonly restarts: number;
    /** How far sessions are behind the market events sent to them (ms; see {@link BEHIND_MS}). */
    readonly lag_ms: { readonly max: number; readonly median: number };
    /** Sessions at least {@link BEHIND_MS} behind. */
    readonly behind: number;
    /** Runs of market events sessions never saw (bus batches no longer retained), summed. */
    readonly bus_gaps: number;
    /** Worker threads running the sessions. */
    readonly workers: number;
    /** Sessions per worker: at most (`SESSIONS_PER_WORKER`), and the fewest and most a worker hosts now. */
    readonly per_worker: { readonly limit: number; readonly min: number; readonly max: number };
  };
  /** WebSockets and SSE streams held open now, and the most held at once (`MAX_LIVE_CONNECTIONS`). */
  readonly live_connections: { readonly open: number; readonly max: number };
  readonly restore: RestoreProgress;
  readonly persister: ReturnType<Persister["stats"]>;
  /** The alert outbox: pending, failing (retrying), failed, delivered, last error. */
  readonly alerts?: AlertHealth;
  readonly event_loop_lag_ms: number;
  /** In a cluster: this node, the members and the leases this node holds. */
  readonly cluster?: ClusterHealth;
}

/** How far a node's reading of the market stream is behind, for one symbol. */
export interface StreamLag {
  /** Messages in the stream this node has not read yet. */
  readonly pending: number;
  /** Ms from the stream storing the last message read to this node reading it. */
  readonly lag_ms: number | null;
  /** Ms since this node last read a message of the symbol. */
  readonly idle_ms: number | null;
}

/** A cluster as one node sees it. */
export interface ClusterHealth {
  /** The cluster's id: it prefixes its NATS subjects and names its stream (`MARKET_<id>`). */
  readonly id: string;
  readonly node: string;
  /** Nodes that beat within the lease time, with the sessions each holds and how long ago it beat. */
  readonly members: readonly {
    readonly id: string;
    readonly url: string;
    readonly alive: boolean;
    readonly sessions: number;
    readonly last_beat_ms: number;
    /** How far its slowest session was behind the market at its last beat (ms; null: none runs). */
    readonly lag_ms: number | null;
  }[];
  /** The worst session lag across the cluster (ms; null: no session runs) and the node it is on. */
  readonly lag_ms: { readonly max: number | null; readonly node: string | null };
  /**
   * Sessions this node runs, with the fencing token of each lease and how far
   * (ms) its worker is behind the newest market event (null: no worker, failed).
   */
  readonly leases: readonly {
    readonly session: string;
    readonly token: number;
    readonly lag_ms: number | null;
  }[];
  /** This node reading the market stream, per symbol (see {@link StreamLag}). */
  readonly stream: Readonly<Record<string, StreamLag>>;
  /** Which node ingests each market feed (`venue.SYMBOL`) for the cluster. */
  readonly feeds: readonly { readonly feed: string; readonly node: string }[];
  readonly lease_ms: number;
}

/** What the health check reads. */
export interface HealthDeps {
  readonly db: Db;
  readonly hub: MarketHub;
  readonly supervisor: Supervisor;
  readonly persister: Persister;
  readonly maxSessions: number;
  readonly sessionCap: SessionCap;
  readonly sessionsPerWorker: number;
  readonly connections: LiveConnections;
  restoreProgress(): RestoreProgress;
  /** The alert outbox's state. */
  alerts?(): Promise<AlertHealth>;
  readonly log: Logger;
}

/** Checks every part; `status` is "degraded" when the database does not answer. */
export async function checkHealth(deps: HealthDeps): Promise<Health> {
  const db = { kind: deps.db.kind, ...await checkDatabase(deps) };
  const alerts = db.ok ? await deps.alerts?.() : undefined;
  const market = deps.hub.health();
  const live = deps.supervisor.ids().map((id) => deps.supervisor.get(id)!);
  const lags = live.flatMap((s) => deps.supervisor.lagMs(s.id) ?? []).sort((a, b) => a - b);
  const loads = deps.supervisor.workerLoads();
  return {
    status: db.ok ? "ok" : "degraded",
    simulated: market.feed.simulated,
    db,
    feed: market.feed,
    market,
    sessions: {
      live: live.length,
      max: deps.maxSessions,
      cap: deps.sessionCap,
      by_status: Object.fromEntries(
        Object.entries(Object.groupBy(live, (s) => s.status)).map(([k, v]) => [k, v!.length]),
      ),
      restarts: live.reduce((n, s) => n + s.restarts, 0),
      lag_ms: {
        max: Math.round(lags.at(-1) ?? 0),
        median: Math.round(lags[Math.floor(lags.length / 2)] ?? 0),
      },
      behind: lags.filter((lag) => lag >= BEHIND_MS).length,
      bus_gaps: live.reduce((n, s) => n + s.bus_gaps, 0),
      workers: loads.length,
      per_worker: {
        limit: deps.sessionsPerWorker,
        min: loads.length > 0 ? Math.min(...loads) : 0,
        max: loads.length > 0 ? Math.max(...loads) : 0,
      },
    },
    live_connections: { open: deps.connections.open, max: deps.connections.max },
    restore: deps.restoreProgress(),
    persister: deps.persister.stats(),
    ...(alerts ? { alerts } : {}),
    event_loop_lag_ms: Math.round(deps.supervisor.loopLag()),
  };
}

/**
 * Whether the database answers within {@link DB_CHECK_MS}, and if not, why:
 * an unreachable server's short reason, otherwise a pointer to the log (a
 * driver's own message may name hosts and ports).
 */
async function checkDatabase(deps: HealthDeps): Promise<{ ok: boolean; error?: string }> {
  const answered = ping(deps.db);
  if (!await settledWithin(answered, DB_CHECK_MS)) {
    answered.catch(() => {});
    return { ok: false, error: `no answer within ${DB_CHECK_MS / 1000} s` };
  }
  try {
    await answered;
    return { ok: true };
  } catch (error) {
    if (error instanceof DatabaseUnavailableError) return { ok: false, error: error.message };
    deps.log.warn(`health: database query failed: ${(error as Error).message}`);
    return { ok: false, error: "database query failed (see the service log)" };
  }
}
