/**
 * Every REST operation in one table: method, path, query parameters with
 * their bounds, body and answers. The routes register their handlers from it
 * (`routes/api/operation.ts` validates the query and JSON body at the edge)
 * and the OpenAPI document is generated from it, so the two cannot disagree.
 * Server side only (it holds the zod request schemas).
 */
import type { z } from "zod";
import { SESSION_STATUSES } from "../engine/core/session/mod.ts";
import { TIMEFRAMES } from "../engine/core/types.ts";
import {
  ALERT_LIST_LIMIT,
  BACKTEST_LIST_LIMIT,
  BOOK_DEPTH,
  CANDLE_LIMIT,
  EQUITY_LIMIT,
  type IntRange,
  MARKET_TRADES_LIMIT,
  MAX_IDEMPOTENCY_KEY,
  MAX_SOCKET_MESSAGE_BYTES,
  MAX_SOCKET_TOPICS,
  OFFSET,
  RECORD_LIMIT,
  SESSION_LIST_LIMIT,
  SIGNAL_LIMIT,
  STRATEGY_VERSION,
} from "./limits.ts";
import { ALERT_STATUSES } from "./resources.ts";
import {
  accountLimitsSchema,
  backtestInputSchema,
  haltInputSchema,
  manualOrderSchema,
  sessionInputSchema,
  stopInputSchema,
  tradingStateInputSchema,
} from "./schemas.ts";

/** A query parameter, validated before the handler runs. */
export type QueryParam =
  | {
    readonly type: "integer";
    readonly range: IntRange;
    /** Absent stays undefined instead of the range's fallback. */
    readonly optional?: boolean;
  }
  | { readonly type: "enum"; readonly values: readonly string[]; readonly fallback?: string }
  | { readonly type: "string"; readonly required?: boolean; readonly description?: string };

/** What an operation reads from the request body. */
export type RequestBody =
  /** JSON validated with `schema` (400 `invalid` with details otherwise); named in the document. */
  | {
    readonly type: "json";
    readonly name: string;
    readonly schema: z.ZodType;
    readonly invalid: string;
    /** An empty body stands for `{}`. */
    readonly optional?: boolean;
  }
  /** A strategy document: YAML or JSON text, or JSON `{source}` / the document itself. */
  | { readonly type: "strategy" }
  /** Raw bytes (an upload). */
  | { readonly type: "binary" };

/** One answer: its description and, for success, the component schema it follows. */
export type Answer = string | { readonly description: string; readonly schema?: string };

/** One REST operation. */
export interface Operation {
  readonly method: "get" | "post" | "put" | "delete";
  /** Full path, parameters in braces: `/api/paper_trading/sessions/{id}`. */
  readonly path: string;
  readonly summary: string;
  readonly query?: Readonly<Record<string, QueryParam>>;
  /** Whether the operation takes an `Idempotency-Key` header. */
  readonly idempotent?: boolean;
  readonly body?: RequestBody;
  /** Answers by status; 4xx/5xx ones carry the error body unless they name another schema. */
  readonly answers: Readonly<Record<string, Answer>>;
}

const page = {
  limit: { type: "integer", range: RECORD_LIMIT },
  offset: { type: "integer", range: OFFSET },
} as const;
const VALIDATION_BUSY = "strategy validation busy or not finished within 10 s";
const SESSION = "Session";

/** The REST API. */
export const OPERATIONS = {
  health: {
    method: "get",
    path: "/api/health",
    summary:
      "Database, feed, market data and session health (feed labelled simulated or live; the session " +
      "workers and how many sessions each hosts); `live_connections`: the WebSockets and SSE streams " +
      "held open and their cap (MAX_LIVE_CONNECTIONS); in a cluster, " +
      "`cluster`: members with their last beat and slowest session lag, the cluster's worst lag, this node's leases",
    answers: { "200": "healthy", "503": "database unavailable" },
  },
  createSession: {
    method: "post",
    path: "/api/paper_trading/sessions",
    summary:
      "Start a paper trading session. With an Idempotency-Key, a repeated request returns the session the first one started (200).",
    idempotent: true,
    body: {
      type: "json",
      name: "SessionInput",
      schema: sessionInputSchema,
      invalid: "invalid session request",
    },
    answers: {
      "201": { description: "created", schema: SESSION },
      "200": { description: "already created with this Idempotency-Key", schema: SESSION },
      "400": "malformed JSON, invalid fields or Idempotency-Key",
      "413": "body larger than 1 MB",
      "422": "invalid strategy document, or Idempotency-Key used for a different request",
      "503":
        "strategy validation busy, node at capacity (MAX_SESSIONS), database unavailable, or not running within 60 s",
    },
  },
  listSessions: {
    method: "get",
    path: "/api/paper_trading/sessions",
    summary: "List sessions, newest first",
    query: {
      status: { type: "enum", values: SESSION_STATUSES },
      limit: { type: "integer", range: SESSION_LIST_LIMIT },
      offset: { type: "integer", range: OFFSET },
    },
    answers: { "200": "a page of sessions", "400": "bad query" },
  },
  getSession: {
    method: "get",
    path: "/api/paper_trading/sessions/{id}",
    summary: "Status, position, balances, P&L, warm-up, last price, last error",
    answers: { "200": { description: "the session", schema: SESSION }, "404": "unknown id" },
  },
  stopSession: {
    method: "delete",
    path: "/api/paper_trading/sessions/{id}",
    summary:
      'Stop a session; returns its final metrics and position_left_open. Body (optional): {"flatten": true} closes the position first',
    body: {
      type: "json",
      name: "StopInput",
      schema: stopInputSchema,
      invalid: "invalid stop request",
      optional: true,
    },
    answers: { "200": "stopped", "404": "unknown id", "409": "invalid transition" },
  },
  placeOrder: {
    method: "post",
    path: "/api/paper_trading/sessions/{id}/orders",
    summary:
      "A manual order (market, limit, stop_market, stop_limit; quantity or notional; optional bracket), tagged manual",
    body: {
      type: "json",
      name: "ManualOrder",
      schema: manualOrderSchema,
      invalid: "invalid order",
    },
    answers: {
      "201": "the order as placed (filled at once when it can)",
      "400": "invalid fields",
      "404": "unknown id",
      "409": "the session is stopped or failed (it has no worker)",
      "422": "rejected by the engine (funds, filters, no price), with the reason",
    },
  },
  cancelOrder: {
    method: "delete",
    path: "/api/paper_trading/sessions/{id}/orders/{order_id}",
    summary: "Cancel one open order",
    answers: {
      "200": { description: "the session after the cancel", schema: SESSION },
      "404": "unknown session, or no open order with that id",
      "409": "the session is stopped or failed (it has no worker)",
    },
  },
  closeSession: {
    method: "post",
    path: "/api/paper_trading/sessions/{id}/close",
    summary:
      "Force exit: cancel the session's open orders and flatten its position at market (?symbol= one symbol of a portfolio only)",
    query: {
      symbol: {
        type: "string",
        description: "a portfolio session's symbol: close only its position and orders",
      },
    },
    answers: {
      "200": { description: "the session after the close", schema: SESSION },
      "400": "the session does not trade that symbol",
      "404": "unknown id",
      "409": "the session is stopped or failed (it has no worker)",
    },
  },
  pauseSession: {
    method: "post",
    path: "/api/paper_trading/sessions/{id}/pause",
    summary: "Pause trading (indicators stay warm)",
    answers: { "200": "paused", "404": "unknown id", "409": "invalid transition" },
  },
  resumeSession: {
    method: "post",
    path: "/api/paper_trading/sessions/{id}/resume",
    summary: "Resume a paused session, or start a failed one again from its last stored state",
    answers: { "200": "resumed", "404": "unknown id", "409": "invalid transition" },
  },
  sessionFills: {
    method: "get",
    path: "/api/paper_trading/sessions/{id}/trades",
    summary: "Fills (executions), oldest first; ?format=csv downloads them all as CSV",
    query: { format: { type: "enum", values: ["json", "csv"], fallback: "json" }, ...page },
    answers: { "200": "a page of fills, or CSV", "404": "unknown id" },
  },
  sessionClosedTrades: {
    method: "get",
    path: "/api/paper_trading/sessions/{id}/closed_trades",
    summary: "Round trips (entry to exit) with P&L net of fees",
    query: page,
    answers: { "200": "a page of round trips", "404": "unknown id" },
  },
  sessionOrders: {
    method: "get",
    path: "/api/paper_trading/sessions/{id}/orders",
    summary: "Orders in their latest state, newest first",
    query: page,
    answers: { "200": "a page of orders", "404": "unknown id" },
  },
  sessionEquity: {
    method: "get",
    path: "/api/paper_trading/sessions/{id}/equity",
    summary: "Equity samples (one per minute of exchange time)",
    query: { limit: { type: "integer", range: EQUITY_LIMIT } },
    answers: { "200": "samples", "404": "unknown id" },
  },
  sessionSignals: {
    method: "get",
    path: "/api/paper_trading/sessions/{id}/signals",
    summary: "The last signals with their reasons and what was done about them",
    query: { limit: { type: "integer", range: SIGNAL_LIMIT } },
    answers: { "200": "signals, newest first", "404": "unknown id" },
  },
  sessionRisk: {
    method: "get",
    path: "/api/paper_trading/sessions/{id}/risk",
    summary:
      "Trading state (active, reducing, halted) with its reason, the limits in force and the risk audit log (state changes and refused orders, newest first)",
    query: { limit: { type: "integer", range: SIGNAL_LIMIT } },
    answers: { "200": "{risk, limits, events}", "404": "unknown id" },
  },
  setSessionRisk: {
    method: "post",
    path: "/api/paper_trading/sessions/{id}/risk",
    summary:
      "Set the trading state by hand: halt (optionally flattening), reduce only, or back to active (audited)",
    body: {
      type: "json",
      name: "TradingStateInput",
      schema: tradingStateInputSchema,
      invalid: "invalid trading state",
    },
    answers: {
      "200": { description: "the session after the change", schema: SESSION },
      "400": "invalid fields",
      "404": "unknown id",
      "409": "the session is stopped or failed (it has no worker)",
    },
  },
  sessionMetrics: {
    method: "get",
    path: "/api/paper_trading/sessions/{id}/metrics",
    summary: "Performance metrics (Sharpe, Sortino, Calmar, drawdown, win rate, …)",
    answers: { "200": "metrics", "404": "unknown id" },
  },
  sessionStream: {
    method: "get",
    path: "/api/paper_trading/sessions/{id}/stream",
    summary:
      "Server-sent events of the session: session, effect (order, fill, trade_closed, signal, equity; only once durable), view, status, heartbeat",
    answers: {
      "200": "text/event-stream",
      "404": "unknown id",
      "503": "node at its cap of live connections (MAX_LIVE_CONNECTIONS)",
    },
  },
  validateStrategy: {
    method: "post",
    path: "/api/strategies/validate",
    summary: "Validate a strategy document (YAML or JSON)",
    body: { type: "strategy" },
    answers: {
      "200": "{valid: true, name} (the strategy's name)",
      "422": { description: "{valid: false, errors: [{path, message}]}", schema: "StrategyCheck" },
      "503": VALIDATION_BUSY,
    },
  },
  listStrategies: {
    method: "get",
    path: "/api/strategies",
    summary: "List stored strategies",
    answers: { "200": "strategies" },
  },
  createStrategy: {
    method: "post",
    path: "/api/strategies",
    summary: "Store a new strategy (id from ?id= or its name)",
    query: { id: { type: "string" } },
    body: { type: "strategy" },
    answers: { "201": "stored", "422": "invalid document or id taken", "503": VALIDATION_BUSY },
  },
  getStrategy: {
    method: "get",
    path: "/api/strategies/{id}",
    summary: "A stored strategy (?version=N for an earlier version)",
    query: { version: { type: "integer", range: STRATEGY_VERSION, optional: true } },
    answers: { "200": "the strategy", "404": "unknown id or version" },
  },
  updateStrategy: {
    method: "put",
    path: "/api/strategies/{id}",
    summary: "Save a new version",
    body: { type: "strategy" },
    answers: {
      "200": "updated",
      "404": "unknown id",
      "422": "invalid document",
      "503": VALIDATION_BUSY,
    },
  },
  deleteStrategy: {
    method: "delete",
    path: "/api/strategies/{id}",
    summary: "Delete a strategy (sessions keep their own copy)",
    answers: { "204": "deleted", "404": "unknown id" },
  },
  symbols: {
    method: "get",
    path: "/api/market",
    summary: "Tickers of every symbol traded here",
    answers: { "200": "{symbols: [ticker, …]}" },
  },
  ticker: {
    method: "get",
    path: "/api/market/{symbol}",
    summary: "Last price, bid, ask, 24 h change and feed status",
    answers: { "200": "ticker", "404": "unknown symbol" },
  },
  marketTrades: {
    method: "get",
    path: "/api/market/{symbol}/trades",
    summary: `Recent trades (up to ${MARKET_TRADES_LIMIT.max})`,
    query: { limit: { type: "integer", range: MARKET_TRADES_LIMIT } },
    answers: { "200": "trades", "404": "unknown symbol" },
  },
  marketCandles: {
    method: "get",
    path: "/api/market/{symbol}/candles",
    summary: `Recent candles of a timeframe (up to ${CANDLE_LIMIT.max})`,
    query: {
      tf: { type: "enum", values: TIMEFRAMES, fallback: "1m" },
      limit: { type: "integer", range: CANDLE_LIMIT },
    },
    answers: { "200": "candles", "404": "unknown symbol" },
  },
  marketBook: {
    method: "get",
    path: "/api/market/{symbol}/book",
    summary: `The live L2 book, best levels first (up to ${BOOK_DEPTH.max} per side)`,
    query: { depth: { type: "integer", range: BOOK_DEPTH } },
    answers: { "200": "book: {symbol, update_id, time, bids, asks}", "404": "unknown symbol" },
  },
  createBacktest: {
    method: "post",
    path: "/api/backtests",
    summary: "Run a backtest over a recording on the server, as a job with progress",
    body: {
      type: "json",
      name: "BacktestInput",
      schema: backtestInputSchema,
      invalid: "invalid backtest request",
    },
    answers: {
      "201": "queued; Location: /api/backtests/{id}",
      "400": "invalid fields",
      "422":
        "invalid strategy, unknown strategy id, or data that is not a recording in the backtest directory",
      "503": VALIDATION_BUSY,
    },
  },
  listBacktests: {
    method: "get",
    path: "/api/backtests",
    summary: "List backtest jobs, newest first",
    query: {
      limit: { type: "integer", range: BACKTEST_LIST_LIMIT },
      offset: { type: "integer", range: OFFSET },
    },
    answers: { "200": "jobs (without their results)" },
  },
  listDataFiles: {
    method: "get",
    path: "/api/backtests/data",
    summary: "Recordings in the backtest directory (BACKTEST_DIR), as paths relative to it",
    answers: { "200": "{files: [path, …]}" },
  },
  uploadDataFile: {
    method: "post",
    path: "/api/backtests/data",
    summary:
      "Upload a recording (the raw file as the body, up to 256 MB); it is stored in the backtest directory under a generated folder",
    query: {
      name: {
        type: "string",
        required: true,
        description: "file name ending in .jsonl, .csv, .jsonl.gz or .csv.gz",
      },
    },
    body: { type: "binary" },
    answers: {
      "201": "{data: path for POST /api/backtests, bytes}",
      "400": "invalid file name",
      "408": "the body did not arrive within 10 minutes",
      "413": "larger than 256 MB",
    },
  },
  getBacktest: {
    method: "get",
    path: "/api/backtests/{id}",
    summary: "A backtest job: status, progress 0..1, result (trades, metrics, charts) or error",
    answers: { "200": "the job", "404": "unknown id" },
  },
  getRisk: {
    method: "get",
    path: "/api/risk",
    summary:
      "Account-wide risk: the kill switch, the limits over every session (from RISK_* or PUT) and the account audit",
    answers: { "200": "{halted, limits, source, audit}" },
  },
  putRisk: {
    method: "put",
    path: "/api/risk",
    summary:
      "Replace the account-wide limits (caps over every session's own); running sessions take them at once " +
      "(audited; in a cluster every session on every node; `reached` says how many, and which sessions could not take it)",
    body: {
      type: "json",
      name: "RiskLimits",
      schema: accountLimitsSchema,
      invalid: "invalid risk limits",
    },
    answers: {
      "200": "{halted, limits, source, audit, reached: {nodes, sessions, missing, failed}}",
      "400": "invalid fields",
    },
  },
  haltAll: {
    method: "post",
    path: "/api/risk/halt",
    summary:
      'Kill switch: halt every session (and sessions started later) until resumed; {"flatten": true} closes every position too ' +
      "(audited; in a cluster every session on every node; `reached` says how many, and which sessions could not take it)",
    body: {
      type: "json",
      name: "HaltInput",
      schema: haltInputSchema,
      invalid: "invalid halt request",
      optional: true,
    },
    answers: {
      "200": "{halted, limits, source, audit, reached: {nodes, sessions, missing, failed}}",
      "400": "invalid fields",
    },
  },
  resumeAll: {
    method: "post",
    path: "/api/risk/resume",
    summary:
      "Lift the kill switch: sessions it halted trade again (halts by a risk rule or an operator stay; audited; " +
      "in a cluster on every node, `reached` says how many)",
    answers: {
      "200": "{halted, limits, source, audit, reached: {nodes, sessions, missing, failed}}",
    },
  },
  listAlerts: {
    method: "get",
    path: "/api/alerts",
    summary:
      "Alerts in the outbox, newest first, one per alert and target (targets shown without path or query): " +
      "pending (not delivered yet, retrying with backoff), delivered, failed (gave up)",
    query: {
      status: { type: "enum", values: ALERT_STATUSES },
      session: { type: "string", description: "only the alerts about this session" },
      limit: { type: "integer", range: ALERT_LIST_LIMIT },
      offset: { type: "integer", range: OFFSET },
    },
    answers: { "200": "{items: [alert], limit, offset}", "400": "bad query" },
  },
  liveSocket: {
    method: "get",
    path: "/api/ws",
    summary:
      'WebSocket. Send {"op":"subscribe","topics":["ticker:BTCUSDT","trades:BTCUSDT","market_data:BTCUSDT","book:BTCUSDT","trading:SESSION_ID","sessions","risk"]}; receive {"type":"update","topic","data"}, heartbeats every 15 s; {"op":"unsubscribe"}, {"op":"ping"}. ' +
      `Messages up to ${
        MAX_SOCKET_MESSAGE_BYTES / 1024
      } KB, at most ${MAX_SOCKET_TOPICS} topics per message and per socket; a refused message or topic gets {"type":"error","error","details"}. ` +
      "Slow clients are closed with code 1008.",
    answers: { "101": "switching protocols" },
  },
} as const satisfies Record<string, Operation>;

/** Description of the `Idempotency-Key` header. */
export const IDEMPOTENCY_KEY_HEADER = {
  name: "Idempotency-Key",
  maxLength: MAX_IDEMPOTENCY_KEY,
  description: "any unique string (visible ASCII); send the same key when retrying",
} as const;
