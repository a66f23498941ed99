/**
 * What the REST API answers: sessions, fills, strategies, backtest jobs and
 * pages of them. Plain types and constants only (the dashboard imports them).
 */
import type { SessionStatus } from "../engine/core/session/mod.ts";
import type { ClosedTrade, Fill, Order } from "../engine/core/execution/mod.ts";
import type { Metrics } from "../engine/core/metrics/mod.ts";
import type { Candle, Level, Timeframe, Trade } from "../engine/core/types.ts";
import type { RiskEvent, RiskView, TradingState } from "../engine/core/risk/events.ts";
import type { RiskLimits } from "../engine/core/risk/limits.ts";

export type {
  Candle,
  ClosedTrade,
  Fill,
  Level,
  Metrics,
  Order,
  RiskEvent,
  RiskLimits,
  RiskView,
  SessionStatus,
  Timeframe,
  Trade,
  TradingState,
};

/** One symbol of a portfolio session as the API shows it. */
export interface SymbolSummary {
  readonly position: { readonly quantity: number; readonly avg_price: number };
  readonly realized_pnl: number;
  readonly unrealized_pnl: number;
  readonly last_price: number | null;
  /** Open orders of the symbol. */
  readonly open_orders: number;
  /** Closed round trips of the symbol. */
  readonly trade_count: number;
  readonly fill_count: number;
  readonly warmup: { readonly done: number; readonly total: number };
}

/** A session as the API shows it. */
export interface SessionSummary {
  readonly id: string;
  readonly name: string;
  readonly strategy_id: string | null;
  /** The symbol traded (a portfolio's first symbol). */
  readonly symbol: string;
  /** Every symbol traded (one wallet), `[symbol]` for a single-symbol session. */
  readonly symbols: readonly string[];
  /**
   * A portfolio's positions, orders and P&L per symbol (null for a single
   * symbol); `position` and `last_price` above are then the first symbol's,
   * while the P&L, cash and equity are the portfolio's.
   */
  readonly per_symbol: Readonly<Record<string, SymbolSummary>> | null;
  readonly status: SessionStatus;
  readonly feed: string;
  readonly simulated: boolean;
  readonly created_at: string;
  readonly last_error: string | null;
  readonly initial_capital: number;
  readonly equity: number;
  readonly cash: number;
  readonly free_cash: number;
  readonly pnl: number;
  readonly realized_pnl: number;
  readonly unrealized_pnl: number;
  readonly total_return: number;
  readonly position: { readonly quantity: number; readonly avg_price: number };
  readonly last_price: number | null;
  readonly warmup: { readonly done: number; readonly total: number } | null;
  /** Closed round trips. */
  readonly trade_count: number;
  /** Executions (a round trip has at least two). */
  readonly fill_count: number;
  /** Candles where the entry rules contradicted each other, so nothing fired (since the worker started). */
  readonly conflicts: number;
  readonly restarts: number;
  /** Why the session's worker last restarted (crash, hang, suspension), or null. */
  readonly restart_reason: string | null;
  /**
   * How far (ms) the session is behind the newest market event sent to it
   * (the age of the oldest one it has not handled; 0 when up to date), or
   * null when it has no worker.
   */
  readonly lag_ms: number | null;
  /** Runs of bus batches the session's worker could not get (no longer retained by the hub): market events it never saw. */
  readonly bus_gaps: number;
  /** The node running the session (`NODE_ID`; in a cluster, the holder of its lease), null when none. */
  readonly node: string | null;
  /** The trading state (active, reducing, halted) and why. */
  readonly risk: RiskView;
}

/** A session's risk: its state, the limits in force and its audit log (`GET …/sessions/{id}/risk`). */
export interface SessionRisk {
  readonly risk: RiskView;
  /** The limits in force: the strategy's, the session's own and the account-wide caps combined. */
  readonly limits: RiskLimits;
  /** Risk events (state changes and refused orders), newest first. */
  readonly events: readonly RiskEvent[];
}

/** One entry of the account-wide risk audit (kill switch, limit changes). */
export interface AccountRiskEvent {
  readonly time: number;
  readonly kind: "halt" | "resume" | "limits";
  /** halt: whether positions were closed; limits: the new limits. */
  readonly flatten?: boolean;
  readonly limits?: RiskLimits;
  /** Sessions the action reached. */
  readonly sessions?: number;
}

/** Account-wide risk (`GET /api/risk`). */
export interface AccountRisk {
  /** Whether the kill switch halts every session. */
  readonly halted: boolean;
  /** The account-wide limits in force (caps over every session). */
  readonly limits: RiskLimits;
  /** Where they come from: the environment (`RISK_*`) or `PUT /api/risk`. */
  readonly source: "env" | "api";
  /** The account-wide audit, newest first. */
  readonly audit: readonly AccountRiskEvent[];
  /** The answer to a change: the nodes and sessions it reached, and those it did not. */
  readonly reached?: RiskReached;
}

/**
 * Where an account-wide change went: the nodes that took it (with the
 * sessions they run), the live members of a cluster that did not answer in
 * time (they take it from the stored settings within a lease period), and
 * the sessions (or whole nodes) that could not take it, with why (a node
 * tries its own again at its next lease tick).
 */
export interface RiskReached {
  readonly nodes: number;
  readonly sessions: number;
  readonly missing: readonly string[];
  readonly failed: readonly RiskFailure[];
}

/** A session (or, with `session` null, a whole node) that could not take an account-wide change. */
export interface RiskFailure {
  readonly node: string;
  readonly session: string | null;
  readonly error: string;
}

/** A session's performance metrics; a portfolio's with each symbol's beside them. */
export type SessionMetrics = Metrics & { readonly per_symbol?: Readonly<Record<string, Metrics>> };

/** A stopped session and whether it still holds a position (stopping does not close it). */
export type StoppedSummary = SessionSummary & { readonly position_left_open: boolean };

/** A stopped session with its final metrics (`DELETE /api/paper_trading/sessions/{id}`). */
export type StoppedSession = StoppedSummary & { readonly metrics: Metrics };

/** A page of sessions (`GET /api/paper_trading/sessions`). */
export interface SessionPage {
  readonly sessions: readonly SessionSummary[];
  readonly total: number;
  readonly limit: number;
  readonly offset: number;
}

/** A page of a session's records (fills, closed trades, orders). */
export interface Page<T> {
  readonly items: T[];
  readonly total: number;
  readonly limit: number;
  readonly offset: number;
}

/** A stored strategy (its current version). */
export interface StoredStrategy {
  readonly id: string;
  readonly name: string;
  readonly version: number;
  readonly source: string;
  readonly created_at: string;
  readonly updated_at: string;
}

/** Status of a backtest job. */
export type BacktestStatus = "queued" | "running" | "done" | "failed";

/** Recent trades of a symbol (`GET /api/market/{symbol}/trades`). */
export interface MarketTrades {
  readonly symbol: string;
  readonly trades: readonly Trade[];
}

/**
 * The L2 book of a symbol (`GET /api/market/{symbol}/book`, and each update of
 * the `book:SYMBOL` topic): best levels first; empty with null ids before the
 * feed has synced one (simulated and replayed feeds have no books).
 */
export interface MarketBook {
  readonly symbol: string;
  /** Exchange update id of the book (null before one arrived). */
  readonly update_id: number | null;
  /** Exchange ms (null before one arrived). */
  readonly time: number | null;
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
}

/** Recent candles of a symbol (`GET /api/market/{symbol}/candles`). */
export interface MarketCandles {
  readonly symbol: string;
  readonly timeframe: Timeframe;
  readonly candles: readonly Candle[];
}

/** Delivery states of an alert: pending (retrying), failed (given up), delivered. */
export const ALERT_STATUSES = ["pending", "failed", "delivered"] as const;

/** Delivery state of an alert. */
export type AlertStatus = typeof ALERT_STATUSES[number];

/** One alert to one target in the outbox (`GET /api/alerts`); the target without path or query. */
export interface AlertItem {
  /** The alert's id (the receiver's Idempotency-Key), e.g. `fill:SESSION:17`. */
  readonly key: string;
  readonly target: string;
  readonly kind: string;
  readonly session_id: string | null;
  /** When the event happened (epoch ms, exchange time for session events). */
  readonly time: number;
  readonly data: unknown;
  readonly status: AlertStatus;
  /** Attempts made (for a row being delivered: before this one). */
  readonly attempts: number;
  readonly next_attempt_at: string;
  readonly last_attempt_at: string | null;
  readonly last_error: string | null;
  readonly created_at: string;
  readonly delivered_at: string | null;
}

/** A page of the alert outbox, newest first. */
export interface AlertPage {
  readonly items: readonly AlertItem[];
  readonly limit: number;
  readonly offset: number;
}
