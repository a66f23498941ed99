/**
 * The API's limits and defaults, one value each: the routes enforce them, the
 * OpenAPI document states them, the CLI and the dashboard check against them.
 */

/** An integer query parameter: the bounds it must lie in and its value when absent. */
export interface IntRange {
  readonly min: number;
  readonly max: number;
  readonly fallback: number;
}

/** `offset` of every paged list. */
export const OFFSET: IntRange = { min: 0, max: 1e9, fallback: 0 };
/** `limit` of the session list. */
export const SESSION_LIST_LIMIT: IntRange = { min: 1, max: 500, fallback: 50 };
/** `limit` of a session's fills, closed trades and orders. */
export const RECORD_LIMIT: IntRange = { min: 1, max: 1000, fallback: 100 };
/** `limit` of a session's equity samples. */
export const EQUITY_LIMIT: IntRange = { min: 1, max: 10_000, fallback: 1000 };
/** `limit` of a session's signals. */
export const SIGNAL_LIMIT: IntRange = { min: 1, max: 1000, fallback: 100 };
/** `limit` of the backtest job list. */
export const BACKTEST_LIST_LIMIT: IntRange = { min: 1, max: 500, fallback: 50 };
/** `limit` of a symbol's recent trades. */
export const MARKET_TRADES_LIMIT: IntRange = { min: 1, max: 1000, fallback: 100 };
/** `depth` (levels per side) of a symbol's L2 book. */
export const BOOK_DEPTH: IntRange = { min: 1, max: 100, fallback: 20 };
/** `limit` of a symbol's recent candles. */
export const CANDLE_LIMIT: IntRange = { min: 1, max: 500, fallback: 100 };
/** `version` of a stored strategy. */
export const STRATEGY_VERSION: IntRange = { min: 1, max: 1e9, fallback: 1 };

/** Largest request body accepted (bytes); larger ones get 413 (uploads have their own limit). */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Largest recording an upload may store (bytes). */
export const MAX_UPLOAD_BYTES = 256 * 1024 * 1024;
/** Largest WebSocket message a client may send (bytes); a larger one is refused with an error frame. */
export const MAX_SOCKET_MESSAGE_BYTES = 64 * 1024;
/** Most topics one WebSocket message may name, and most one socket may be subscribed to. */
export const MAX_SOCKET_TOPICS = 256;
/** Most WebSocket messages of one socket that may wait for their answer (more are refused). */
export const MAX_SOCKET_WAITING = 256;
/** Most webhook targets one session may name. */
export const MAX_SESSION_WEBHOOKS = 5;
/** Longest webhook target (`[FORMAT:]URL`). */
export const MAX_WEBHOOK_TARGET = 2048;
/** Page size of the alert list. */
export const ALERT_LIST_LIMIT: IntRange = { min: 1, max: 500, fallback: 50 };
/** Longest `Idempotency-Key`. */
export const MAX_IDEMPOTENCY_KEY = 255;
/** Smallest initial capital a session or backtest may start with (one unit of the quote currency). */
export const MIN_INITIAL_CAPITAL = 1;
/** Largest initial capital a session or backtest may start with. */
export const MAX_INITIAL_CAPITAL = 1e12;
/** Largest maker or taker fee rate a request may set (0.1 = 10 %). */
export const MAX_FEE_RATE = 0.1;
/** Most symbols of one portfolio session or backtest. */
export const MAX_PORTFOLIO_SYMBOLS = 20;
/** Largest fixed slippage a request may set (basis points). */
export const MAX_SLIPPAGE_BPS = 1_000;
/** Capital a session or backtest starts with unless told otherwise (defined by the core, which uses it too). */
export { DEFAULT_INITIAL_CAPITAL } from "../engine/core/types.ts";
/** A session at least this far (ms) behind the market events sent to it counts as behind. */
export const BEHIND_MS = 1_000;
