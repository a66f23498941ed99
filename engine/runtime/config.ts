/**
 * Service configuration read from environment variables, with documented
 * defaults. Invalid values raise a {@link ConfigError} naming the variable and
 * what it accepts.
 */
import { parseWebhookTarget } from "../../contract/mod.ts";
import { ALERT_KINDS, type AlertKind } from "./alerts/kinds.ts";

import type { RiskLimits } from "../core/risk/mod.ts";
import { riskLimitsFromEnv } from "./risk_env.ts";
import { parseVenueSymbol } from "./market/venue.ts";

/** Log levels, most verbose first. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;

/** The validated service configuration. */
export interface Config {
  readonly host: string;
  readonly port: number;
  /** PostgreSQL connection string; undefined → embedded PGlite. */
  readonly databaseUrl?: string;
  readonly dataDir: string;
  /** Where the embedded database lives: `DATA_DIR/pglite`. */
  readonly pgliteDir: string;
  /** The only directory backtests read data files from (uploads are stored here too). */
  readonly backtestDir: string;
  /** `auto`, `sim`, `binance` or `replay:PATH`. */
  readonly feed: string;
  readonly symbols: readonly string[];
  readonly logLevel: typeof LOG_LEVELS[number];
  readonly binanceWsUrl: string;
  readonly binanceRestUrl: string;
  /** Per venue, API URL overrides for the exchange library (`VENUE_URLS`, JSON). */
  readonly venueUrls?: Readonly<Record<string, Record<string, string>>>;
  /** When set, every request but the login page, static files and the API description needs it. */
  readonly apiToken?: string;
  /** A second token that may read everything but change nothing (needs `apiToken`). */
  readonly readToken?: string;
  /** Start the built-in example session when the database has none (default true). */
  readonly demoSession: boolean;
  /** Most sessions this node runs at once; more are refused with 503. */
  readonly maxSessions: number;
  /** What set {@link Config.maxSessions}, with the memory's and the cores' bounds. */
  readonly sessionCap: SessionCap;
  /** Sessions one worker hosts at most (`SESSIONS_PER_WORKER`, default {@link DEFAULT_SESSIONS_PER_WORKER}). */
  readonly sessionsPerWorker: number;
  /**
   * Most WebSockets and SSE streams this node holds open at once, counted
   * together (`MAX_LIVE_CONNECTIONS`, default {@link DEFAULT_MAX_LIVE_CONNECTIONS});
   * more are refused with 503.
   */
  readonly maxLiveConnections: number;
  /** Alert webhooks (`WEBHOOK_*`). */
  readonly webhooks: WebhookConfig;
  /** NATS server(s) of the cluster; set → this process is a node of a cluster. */
  readonly natsUrl?: string;
  /** This node's name in the cluster (default `HOST:PORT`). */
  readonly nodeId: string;
  /** How long a node's session leases last without renewal (ms): failover starts after it. */
  readonly leaseMs: number;
  /** Account-wide risk limits (`RISK_*`), caps over every session until replaced through the API. */
  readonly risk: RiskLimits;
  /** How long the cluster's market stream keeps events (ms): how far warm-up can replay it. */
  readonly streamRetentionMs: number;
}

/** Alert webhooks as configured. */
export interface WebhookConfig {
  /** Global targets, `[FORMAT:]URL` each (`WEBHOOK_URLS`). */
  readonly urls: readonly string[];
  /** Signs every body (HMAC-SHA256, `X-Signature-256`) when set. */
  readonly secret?: string;
  /** Whether a session body may name its own targets (`webhooks`). */
  readonly allowSessionTargets: boolean;
  /** Deadline of one delivery attempt. */
  readonly timeoutMs: number;
  /** The alert kinds raised (`WEBHOOK_EVENTS`, default all). */
  readonly events: readonly AlertKind[];
}

/**
 * Memory budgeted per session beside its worker's share. Measured with the
 * example strategies on the simulated feed: 0.5 MB resident a session at 1000
 * sessions, 50 a worker, worker included; 10.7 MB with a worker each.
 */
export const SESSION_MEMORY_BUDGET = 1024 * 1024;

/** Memory budgeted per worker (one running sessions measures about 10 MB resident). */
export const WORKER_MEMORY_BUDGET = 14 * 1024 * 1024;

/**
 * The default session cap: half the machine's memory at
 * {@link SESSION_MEMORY_BUDGET} a session plus its share of
 * {@link WORKER_MEMORY_BUDGET} at `sessionsPerWorker` a worker.
 */
export function defaultMaxSessions(totalMemoryBytes: number, sessionsPerWorker: number): number {
  const perSession = SESSION_MEMORY_BUDGET + WORKER_MEMORY_BUDGET / sessionsPerWorker;
  return Math.max(1, Math.floor(totalMemoryBytes / 2 / perSession));
}

/**
 * Sessions budgeted per core: the load the 2-core benchmark machine is held
 * to (1000 sessions on 2 symbols at 500 trades/s, lag back under 1 s after
 * the burst, measured beside two CPU hogs). Past it a busy feed leaves every
 * session behind, and their commits further behind, instead of refusing the
 * next session.
 */
export const SESSIONS_PER_CORE = 500;

/**
 * Sessions one worker hosts by default: a core's budget, so that at the
 * default cap there is one worker a core (more threads than cores only
 * take turns, and starve the database writer). Sessions are spread over
 * workers first, a core each but one beyond two cores (see `spreadFor`).
 */
export const DEFAULT_SESSIONS_PER_WORKER = SESSIONS_PER_CORE;

/** Live connections (WebSockets and SSE streams) a node holds by default. */
export const DEFAULT_MAX_LIVE_CONNECTIONS = 1000;

/** The default session cap's bounds and which one set the cap (or `MAX_SESSIONS` did). */
export interface SessionCap {
  readonly by: "MAX_SESSIONS" | "memory" | "cores";
  /** Half the memory at {@link SESSION_MEMORY_BUDGET} a session (see {@link defaultMaxSessions}). */
  readonly memory: number;
  /** {@link SESSIONS_PER_CORE} a core. */
  readonly cores: number;
}

/** A configuration variable holds a value it does not accept. */
export class ConfigError extends Error {
  constructor(variable: string, value: string, accepted: string) {
    super(`invalid ${variable}=${JSON.stringify(value)}: expected ${accepted}`);
    this.name = "ConfigError";
  }
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/**
 * Reads the configuration from `env` (a plain record, e.g.
 * `Deno.env.toObject()`); `totalMemoryBytes` and `cores` (default: this
 * machine's) set the default session cap, the lower of their bounds.
 */
export function loadConfig(
  env: Record<string, string | undefined>,
  options: { totalMemoryBytes?: number; cores?: number } = {},
): Config {
  const get = (name: string) => {
    const value = env[name]?.trim();
    return value === "" ? undefined : value;
  };

  const host = get("HOST") ?? "127.0.0.1";
  const portText = get("PORT") ?? "8000";
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new ConfigError("PORT", portText, "an integer from 0 to 65535");
  }

  const databaseUrl = get("DATABASE_URL");
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError("DATABASE_URL", "<hidden>", "a postgres:// or postgresql:// URL");
  }

  const feed = get("FEED") ?? "auto";
  if (!/^(auto|sim|binance|replay:.+)$/.test(feed)) {
    throw new ConfigError("FEED", feed, "auto, sim, binance or replay:PATH");
  }

  const symbolsText = get("SYMBOLS") ?? "BTCUSDT,ETHUSDT";
  const parsedSymbols = symbolsText.split(",").map((s) => s.trim()).filter(Boolean).map((s) =>
    s.includes(":") || /^[A-Za-z0-9]{2,20}$/.test(s) ? parseVenueSymbol(s) : undefined
  );
  if (parsedSymbols.length === 0 || parsedSymbols.some((s) => s === undefined)) {
    throw new ConfigError(
      "SYMBOLS",
      symbolsText,
      "comma-separated symbols such as BTCUSDT,ETHUSDT or venue symbols such as okx:BTC/USDT",
    );
  }
  const symbols = parsedSymbols.map((s) => s!.symbol);

  const venueUrlsText = get("VENUE_URLS");
  let venueUrls: Record<string, Record<string, string>> | undefined;
  try {
    venueUrls = venueUrlsText === undefined ? undefined : JSON.parse(venueUrlsText);
  } catch {
    venueUrls = undefined;
  }
  const urlMap = (value: unknown) =>
    typeof value === "object" && value !== null && !Array.isArray(value) &&
    Object.values(value).every((url) => typeof url === "string");
  const venueMap = typeof venueUrls === "object" && venueUrls !== null &&
    !Array.isArray(venueUrls) && Object.values(venueUrls).every(urlMap);
  if (venueUrlsText !== undefined && !venueMap) {
    throw new ConfigError(
      "VENUE_URLS",
      venueUrlsText,
      'JSON of API URL overrides per venue, e.g. {"okx":{"rest":"http://…","ws":"ws://…"}}',
    );
  }

  const logLevel = (get("LOG_LEVEL") ?? "info").toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError("LOG_LEVEL", logLevel, LOG_LEVELS.join(", "));
  }

  const apiToken = get("PAPER_API_TOKEN");
  if (!LOOPBACK.has(host) && !apiToken) {
    throw new ConfigError(
      "HOST",
      host,
      "a loopback address (127.0.0.1, localhost, ::1) unless PAPER_API_TOKEN is set",
    );
  }

  const readToken = get("PAPER_READ_TOKEN");
  if (readToken && (!apiToken || readToken === apiToken)) {
    throw new ConfigError(
      "PAPER_READ_TOKEN",
      "<hidden>",
      "a token different from PAPER_API_TOKEN, which must be set as well",
    );
  }

  const demoText = (get("DEMO_SESSION") ?? "true").toLowerCase();
  if (!["true", "false", "1", "0"].includes(demoText)) {
    throw new ConfigError("DEMO_SESSION", demoText, "true or false");
  }

  const perWorkerText = get("SESSIONS_PER_WORKER") ?? String(DEFAULT_SESSIONS_PER_WORKER);
  const sessionsPerWorker = Number(perWorkerText);
  if (!/^\d+$/.test(perWorkerText) || sessionsPerWorker < 1) {
    throw new ConfigError("SESSIONS_PER_WORKER", perWorkerText, "a positive integer");
  }

  const maxText = get("MAX_SESSIONS");
  const byMemory = defaultMaxSessions(
    options.totalMemoryBytes ?? Deno.systemMemoryInfo().total,
    sessionsPerWorker,
  );
  const byCores = SESSIONS_PER_CORE * Math.max(1, options.cores ?? navigator.hardwareConcurrency);
  const maxSessions = maxText === undefined ? Math.min(byMemory, byCores) : Number(maxText);
  if (maxText !== undefined && (!/^\d+$/.test(maxText) || maxSessions < 1)) {
    throw new ConfigError("MAX_SESSIONS", maxText, "a positive integer");
  }
  const sessionCap: SessionCap = {
    by: maxText !== undefined ? "MAX_SESSIONS" : byCores < byMemory ? "cores" : "memory",
    memory: byMemory,
    cores: byCores,
  };

  const liveText = get("MAX_LIVE_CONNECTIONS") ?? String(DEFAULT_MAX_LIVE_CONNECTIONS);
  const maxLiveConnections = Number(liveText);
  if (!/^\d+$/.test(liveText) || maxLiveConnections < 1) {
    throw new ConfigError("MAX_LIVE_CONNECTIONS", liveText, "a positive integer");
  }

  const natsUrl = get("NATS_URL");
  if (natsUrl && !databaseUrl) {
    throw new ConfigError(
      "NATS_URL",
      natsUrl,
      "a NATS server URL together with a PostgreSQL DATABASE_URL (cluster nodes share one database)",
    );
  }
  const nodeId = get("NODE_ID") ?? `${host}:${port}`;
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(nodeId)) {
    throw new ConfigError("NODE_ID", nodeId, "1–64 of A-Z, a-z, 0-9, _ . : -");
  }
  const leaseText = get("CLUSTER_LEASE_MS") ?? "5000";
  const leaseMs = Number(leaseText);
  if (!/^\d+$/.test(leaseText) || leaseMs < 500) {
    throw new ConfigError("CLUSTER_LEASE_MS", leaseText, "an integer of at least 500");
  }
  const retentionText = get("MARKET_RETAIN_S") ?? "3600";
  const retentionS = Number(retentionText);
  if (!/^\d+$/.test(retentionText) || retentionS < 60 || retentionS > 30 * 86_400) {
    throw new ConfigError(
      "MARKET_RETAIN_S",
      retentionText,
      "whole seconds from 60 to 2592000 (30 days)",
    );
  }

  const dataDir = get("DATA_DIR") ?? "./data";
  const webhooks = webhookConfig(get);
  return {
    host,
    port,
    databaseUrl,
    dataDir,
    pgliteDir: `${dataDir}/pglite`,
    backtestDir: get("BACKTEST_DIR") ?? `${dataDir}/recordings`,
    feed,
    symbols,
    logLevel: logLevel as Config["logLevel"],
    binanceWsUrl: get("BINANCE_WS_URL") ?? "wss://stream.binance.com:9443",
    binanceRestUrl: get("BINANCE_REST_URL") ?? "https://api.binance.com",
    ...(venueUrls ? { venueUrls } : {}),
    apiToken,
    readToken,
    demoSession: demoText === "true" || demoText === "1",
    maxSessions,
    sessionCap,
    sessionsPerWorker,
    maxLiveConnections,
    natsUrl,
    nodeId,
    leaseMs,
    risk: riskLimitsFromEnv(get, (variable, value, accepted) => {
      throw new ConfigError(variable, value, accepted);
    }),
    streamRetentionMs: retentionS * 1000,
    webhooks,
  };
}

/** The `WEBHOOK_*` variables. */
function webhookConfig(get: (name: string) => string | undefined): WebhookConfig {
  const urls = (get("WEBHOOK_URLS") ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  urls.forEach((url, i) => {
    const target = parseWebhookTarget(url);
    // The value is not shown: chat services put their tokens in the URL.
    if (typeof target === "string") {
      throw new ConfigError("WEBHOOK_URLS", `<target ${i + 1} hidden>`, target);
    }
  });
  const allowText = (get("WEBHOOK_ALLOW_SESSION_TARGETS") ?? "false").toLowerCase();
  if (!["true", "false", "1", "0"].includes(allowText)) {
    throw new ConfigError("WEBHOOK_ALLOW_SESSION_TARGETS", allowText, "true or false");
  }
  const timeoutText = get("WEBHOOK_TIMEOUT_MS") ?? "5000";
  const timeoutMs = Number(timeoutText);
  if (!/^\d+$/.test(timeoutText) || timeoutMs < 100 || timeoutMs > 60_000) {
    throw new ConfigError("WEBHOOK_TIMEOUT_MS", timeoutText, "an integer from 100 to 60000");
  }
  const eventsText = get("WEBHOOK_EVENTS");
  const events = eventsText === undefined
    ? ALERT_KINDS
    : eventsText.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (events.length === 0 || events.some((e) => !(ALERT_KINDS as readonly string[]).includes(e))) {
    throw new ConfigError(
      "WEBHOOK_EVENTS",
      eventsText ?? "",
      `a comma-separated list of ${ALERT_KINDS.join(", ")}`,
    );
  }
  return {
    urls,
    secret: get("WEBHOOK_SECRET"),
    allowSessionTargets: allowText === "true" || allowText === "1",
    timeoutMs,
    events: events as AlertKind[],
  };
}
