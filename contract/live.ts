/**
 * Live updates: the topics clients subscribe to (WebSocket, SSE) and the
 * messages a session's topic carries.
 */
import type { SessionEffect, SessionStatus, SessionView } from "../engine/core/session/mod.ts";
import type { RiskEvent } from "../engine/core/risk/events.ts";
import type { AccountRiskEvent, SessionSummary } from "./resources.ts";
import type { ErrorDetail } from "./errors.ts";

/** A message of a session's live topic ({@link tradingTopic}). */
export type LiveMessage =
  | { readonly type: "effect"; readonly seq: number; readonly effect: SessionEffect }
  | { readonly type: "view"; readonly view: SessionView; readonly status: SessionStatus }
  | { readonly type: "status"; readonly status: SessionStatus; readonly error?: string }
  /** How far (ms) the session is behind the market events sent to it (when it moved or caught up). */
  | { readonly type: "lag"; readonly lag_ms: number };

/** Durable effects, views and statuses of one session. */
export function tradingTopic(id: string): string {
  return `trading:${id}`;
}

/** Last price, bid, ask and 24 h change of a symbol. */
export function tickerTopic(symbol: string): string {
  return `ticker:${symbol}`;
}

/** Trades of a symbol as they print. */
export function tradesTopic(symbol: string): string {
  return `trades:${symbol}`;
}

/** The L2 book of a symbol (a `MarketBook` of the top levels) after each update. */
export function bookTopic(symbol: string): string {
  return `book:${symbol}`;
}

/** New sessions, as they are created ({@link SessionCreatedMessage}). */
export const SESSIONS_TOPIC = "sessions";

/** A message of {@link SESSIONS_TOPIC}. */
export interface SessionCreatedMessage {
  readonly type: "created";
  readonly session: SessionSummary;
}

/**
 * Risk across the account ({@link RiskMessage}): every session's durable risk
 * events (trading-state changes, refused orders) and the account's kill switch
 * and limit changes. What alerts subscribe to.
 */
export const RISK_TOPIC = "risk";

/** A message of {@link RISK_TOPIC}. */
export type RiskMessage =
  | {
    readonly type: "session";
    readonly session_id: string;
    /** The event's sequence number in the session's log (with the id, a unique key). */
    readonly seq: number;
    readonly event: RiskEvent;
  }
  | { readonly type: "account"; readonly event: AccountRiskEvent };

/**
 * The topics a client may subscribe to (`market_data:SYMBOL` carries every
 * market event; SYMBOL is `BTCUSDT` or a venue symbol such as `OKX:BTC/USDT`).
 * A market topic's match holds its kind (group 1) and symbol (group 2); the
 * other topics (`trading:ID`, `sessions`, `risk`) have neither.
 */
export const TOPIC_PATTERN =
  /^(ticker|trades|market_data|book):([A-Z0-9]{2,20}|[A-Z][A-Z0-9]{1,30}:[A-Z0-9]{1,20}\/[A-Z0-9]{1,20})$|^trading:[0-9a-f-]{36}$|^sessions$|^risk$/;

/** What a client sends on the WebSocket (`/api/ws`). */
export type SocketRequest =
  | { readonly op: "subscribe" | "unsubscribe"; readonly topics: readonly string[] }
  | { readonly op: "ping" };

/** What the WebSocket sends: updates of subscribed topics, acknowledgements, heartbeats, errors. */
export type SocketMessage =
  | { readonly type: "update"; readonly topic: string; readonly data: unknown }
  | { readonly type: "subscribed" | "unsubscribed"; readonly topics: readonly string[] }
  | { readonly type: "heartbeat"; readonly time: number }
  | { readonly type: "pong" }
  /** A refused message or topic (`details` as in the API's error body). */
  | { readonly type: "error"; readonly error: string; readonly details?: readonly ErrorDetail[] };
