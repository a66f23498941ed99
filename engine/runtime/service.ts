/**
 * Builds the running service from its configuration: database, market feed
 * and hub, persister, supervisor, session, strategy and backtest services. Only
 * `main.ts` and tests call this; everything else receives what it needs.
 */
import {
  RISK_TOPIC,
  type RiskMessage,
  type SessionCreatedMessage,
  SESSIONS_TOPIC,
  type SessionSummary,
  tradingTopic,
} from "../../contract/mod.ts";
import { type Db, openDatabase } from "../../db/mod.ts";
import { planStrategy, type Strategy } from "../core/strategy/mod.ts";
import type { Candle } from "../core/types.ts";
import { Alerts, type DispatchTimings } from "./alerts/mod.ts";
import type { Config } from "./config.ts";
import { LiveBus } from "./live.ts";
import { LiveConnections } from "./live_connections.ts";
import { createLogger, type Logger } from "./log.ts";
import { createFeed, type Feed, MarketHub, VenueFeeds } from "./market/mod.ts";
import { ServiceUnavailableError } from "./errors.ts";
import { BacktestJobs } from "./backtest/mod.ts";
import { checkHealth, type Health } from "./health.ts";
import { Persister } from "./persister.ts";
import { AccountRiskService } from "./risk.ts";
import { isRiskEvent } from "../core/risk/mod.ts";
import { SessionRecords } from "./session_records.ts";
import { type RestoreProgress, SessionService } from "./sessions.ts";
import { settledWithin } from "./deadline.ts";
import { ensureWritableDir } from "./startup.ts";
import { StrategyStore } from "./strategies.ts";
import { StrategyValidator } from "./strategy_validator.ts";
import { type AccountRiskNow, Supervisor, type SupervisorTimings } from "./supervisor.ts";

/** How long stopping waits for queued events to be committed before it drops them. */
const CLOSE_FLUSH_MS = 4_000;
/** How long stopping waits for the database to close (PGlite writes its checkpoint). */
const CLOSE_DB_MS = 3_000;
/**
 * How often a node alone checks the stored account risk settings and brings
 * sessions that could not take a change to the settings in force (in a
 * cluster, every lease tick does).
 */
const RISK_REFRESH_MS = 5_000;

/** A node of a cluster restores nothing at start: its ticks adopt sessions nobody runs. */
const NOTHING_TO_RESTORE: RestoreProgress = { total: 0, restored: 0, failed: 0, done: true };

/** Every long-lived part of the service. */
export interface Service {
  readonly config: Config;
  readonly db: Db;
  readonly feed: Feed;
  readonly hub: MarketHub;
  readonly persister: Persister;
  readonly supervisor: Supervisor;
  readonly sessions: SessionService;
  readonly records: SessionRecords;
  readonly strategies: StrategyStore;
  readonly backtests: BacktestJobs;
  readonly live: LiveBus;
  /** The WebSockets and SSE streams held open, up to `MAX_LIVE_CONNECTIONS`. */
  readonly connections: LiveConnections;
  readonly log: Logger;
  /** Account-wide risk limits and the kill switch. */
  readonly risk: AccountRiskService;
  /** Alert webhooks: the outbox and its dispatcher. */
  readonly alerts: Alerts;
  /** Database, feed, sessions, restore progress, persister queue and event-loop lag. */
  health(): Promise<Health>;
  /**
   * Brings back the sessions that were running when the service last
   * stopped, a few at a time (progress: `sessions.restoreProgress()`).
   */
  restore(): Promise<RestoreProgress>;
  /**
   * Stops taking effects from workers at once (terminating them a few at a
   * time meanwhile), commits what is queued (at most 4 s), then
   * closes the feed and the database (at most 3 s: what is committed is
   * durable already; an unfinished close is recovered at next start).
   * Sessions are restored at next start.
   */
  close(): Promise<void>;
}

/** Options for tests and benchmarks. */
export interface ServiceOptions {
  /** Use this feed instead of the configured one. */
  readonly feed?: Feed;
  readonly timings?: Partial<SupervisorTimings>;
  /** The share of a core a worker thread gets now (default from the load average; for tests). */
  readonly cpuShare?: () => number;
  /** Workers sessions are spread over before any hosts a second (default `spreadFor` the cores; for tests). */
  readonly spreadWorkers?: number;
  /** Open PGlite in memory instead of under `config.dataDir`. */
  readonly memoryDb?: boolean;
  /** Use this (already migrated) database instead of opening one; it is not closed by the service. */
  readonly db?: Db;
  /** Pacing of alert deliveries (tests: short retries). */
  readonly alertTimings?: Partial<DispatchTimings>;
}

/**
 * Opens the database and starts the market feed. Sessions that were running
 * come back with {@link Service.restore}, which callers run once HTTP answers.
 */
export async function startService(config: Config, options: ServiceOptions = {}): Promise<Service> {
  const log = createLogger(config.logLevel);
  const onDisk = !options.db && !config.databaseUrl && !options.memoryDb;
  if (onDisk) await ensureWritableDir(config.dataDir);
  const db = options.db ?? await openDatabase({
    url: config.databaseUrl,
    dataDir: options.memoryDb ? undefined : config.pgliteDir,
  });
  // A node of a cluster: NATS is loaded only then, never by a single node.
  const clustering = config.natsUrl ? await import("./cluster/mod.ts") : undefined;
  const node = clustering && await clustering.ClusterNode.join({
    db,
    natsUrl: config.natsUrl!,
    nodeId: config.nodeId,
    url: `http://${config.host}:${config.port}`,
    leaseMs: config.leaseMs,
    streamRetentionMs: config.streamRetentionMs,
    maxSessions: config.maxSessions,
    log,
  });
  // Bare symbols go to the configured feed, venue symbols (okx:BTC/USDT) to their venue's feed.
  const venues = new VenueFeeds(
    options.feed ?? await createFeed(config.feed, {
      binanceWsUrl: config.binanceWsUrl,
      binanceRestUrl: config.binanceRestUrl,
      depth: true,
    }),
    { urls: config.venueUrls },
  );
  // In a cluster one node ingests each symbol and every node reads it from the stream.
  const shared = node?.shareFeed(venues);
  const feed = shared ?? venues;
  const hub = new MarketHub(feed);
  await hub.start(config.symbols);
  const live = new LiveBus();
  /** Live updates of sessions: in a cluster through NATS, so the node holding the client shows them. */
  const publish = (topic: string, message: unknown) =>
    node ? node.publish(topic, message) : live.publish(topic, message);
  const alerts = new Alerts(db, config.webhooks, { log, timings: options.alertTimings });
  // In a cluster only the node ingesting the feed raises its outages (once per cluster).
  alerts.start(() => node ? node.feedStatus() : feed.status());
  const persister = new Persister(db, {
    log,
    fencing: node,
    alerts: alerts.enabled ? alerts.source : undefined,
  });
  const validator = new StrategyValidator();
  const strategies = new StrategyStore(db, { validate: (request) => validator.validate(request) });
  await strategies.seedExamples();
  const records = new SessionRecords(db);
  const backtests = new BacktestJobs({
    db,
    strategies,
    backtestDir: config.backtestDir,
    log,
  });

  const supervisor = new Supervisor({
    persister,
    history: (symbol, strategy, until) => warmupHistory(feed, symbol, strategy, until),
    ring: (symbol) => hub.ring(symbol),
    lastSeq: (symbol) => hub.lastSeq(symbol),
    lag: (symbol, handledSeq) => hub.lagMs(symbol, handledSeq),
    recover: (symbol, from, to) => hub.recover(symbol, from, to),
    // In a cluster a restored session first replays from the stream what it missed.
    catchUp: shared &&
      ((spec, point) =>
        shared.catchUp(spec.symbols ?? [spec.symbol], point, spec.strategy.timeframe, (symbol) => {
          hub.flush(); // every event the hub took is in a batch: the bus goes on after them
          return hub.lastSeq(symbol);
        })),
    publish: (id, message) => {
      publish(tradingTopic(id), message);
      if (message.type === "effect" && isRiskEvent(message.effect)) {
        const event = message.effect;
        publish(
          RISK_TOPIC,
          {
            type: "session",
            session_id: id,
            seq: message.seq,
            event,
          } satisfies RiskMessage,
        );
      }
    },
    log,
    timings: options.timings,
    sessionsPerWorker: config.sessionsPerWorker,
    spreadWorkers: options.spreadWorkers,
    cpuShare: options.cpuShare,
    accountRisk: (): AccountRiskNow => ({ limits: risk.limits(), halted: risk.halted() }),
  });
  const risk: AccountRiskService = new AccountRiskService({
    db,
    supervisor,
    env: config.risk,
    log,
    node: config.nodeId,
    announce: (event) => {
      publish(RISK_TOPIC, { type: "account", event } satisfies RiskMessage);
      if (event.kind === "limits") return;
      alerts.emit({
        key: `risk_state:account:${event.kind}:${event.time}`,
        kind: "risk_state",
        sessionId: null,
        time: event.time,
        data: {
          from: event.kind === "halt" ? "active" : "halted",
          to: event.kind === "halt" ? "halted" : "active",
          rule: "kill_switch",
          sessions: event.sessions,
          ...(event.flatten ? { flatten: true } : {}),
        },
      });
    },
  });
  await risk.load();
  // One refresh at a time: a slow or unreachable database must not queue one every tick.
  let refreshing: Promise<void> | undefined;
  const riskRefresh = node ? undefined : setInterval(() => {
    refreshing ??= risk.refresh()
      .catch((error) => log.warn(`account risk: refresh failed: ${(error as Error).message}`))
      .finally(() => refreshing = undefined);
  }, RISK_REFRESH_MS);
  const sessionDeps = {
    db,
    supervisor,
    strategies,
    feed: (symbol: string) => venues.label(symbol),
    symbols: () => config.symbols,
    venue: async (symbol: string) => {
      if (!symbol.includes(":")) return {};
      try {
        return { filters: await venues.filters(symbol), fees: await venues.fees(symbol) };
      } catch (error) {
        throw new ServiceUnavailableError(
          `the markets of ${symbol.split(":")[0]} could not be loaded: ${(error as Error).message}`,
        );
      }
    },
    announce: (session: SessionSummary) =>
      publish(SESSIONS_TOPIC, { type: "created", session } satisfies SessionCreatedMessage),
    maxSessions: config.maxSessions,
    sessionWebhooks: config.webhooks.allowSessionTargets,
    log,
    nodeId: config.nodeId,
  };
  const connections = new LiveConnections(config.maxLiveConnections);
  const clusterSessions = node && new clustering.ClusterSessions(sessionDeps, node);
  const sessions = clusterSessions ?? new SessionService(sessionDeps);
  if (node && clusterSessions) {
    node.attach({
      supervisor,
      sessions,
      live,
      risk,
      handle: (op, args) => clusterSessions.handle(op, args),
      flush: () => persister.flush(),
    });
  }

  return {
    config,
    db,
    feed,
    hub,
    persister,
    supervisor,
    sessions,
    records,
    strategies,
    backtests,
    live,
    connections,
    log,
    risk,
    alerts,
    // In a cluster, sessions without a live lease are adopted by the nodes' ticks instead.
    restore: () => node ? Promise.resolve(NOTHING_TO_RESTORE) : sessions.restoreAll(),
    health: async () => ({
      ...await checkHealth({
        db,
        hub,
        supervisor,
        persister,
        maxSessions: config.maxSessions,
        sessionCap: config.sessionCap,
        sessionsPerWorker: config.sessionsPerWorker,
        connections,
        restoreProgress: () => node ? NOTHING_TO_RESTORE : sessions.restoreProgress(),
        alerts: () => alerts.health(),
        log,
      }),
      ...(node ? { cluster: node.health() } : {}),
    }),
    async close() {
      clearInterval(riskRefresh);
      node?.stop();
      validator.close();
      const workersStopped = supervisor.close();
      const alertsStopped = alerts.close();
      const dropped = await persister.close(CLOSE_FLUSH_MS);
      if (dropped > 0) {
        log.warn(
          `stopped with ${dropped} writes not committed (never shown; sessions restart before them)`,
        );
      }
      await hub.close();
      await node?.close();
      await alertsStopped;
      if (!options.db && !await settledWithin(db.close(), CLOSE_DB_MS)) {
        log.warn(`the database did not close within ${CLOSE_DB_MS / 1000} s: stopping anyway`);
      }
      await workersStopped;
    },
  };
}

/** Closed candles for every timeframe a strategy uses, in time order (closed before `until`, when given). */
async function warmupHistory(
  feed: Feed,
  symbol: string,
  strategy: Strategy,
  until?: number,
): Promise<Candle[]> {
  const compiled = planStrategy(strategy); // validated when the session was created
  const limit = Math.min(compiled.warmupCandles + 10, 1000);
  const lists = await Promise.all(
    compiled.timeframes.map((tf) =>
      feed.history(symbol, tf, limit, until).catch(() => [] as Candle[])
    ),
  );
  const candles = lists.flat().sort((a, b) => a.closeTime - b.closeTime);
  return until === undefined ? candles : candles.filter((c) => c.closeTime < until);
}
