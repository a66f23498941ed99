/**
 * Risk limits of a session (all optional) and how the three levels combine:
 * the strategy's `risk` block, the session's `risk` body (overrides it) and
 * the account-wide limits (caps over every session).
 *
 * @module
 */

/** The limits the risk engine enforces; every rule is off unless set. */
export interface RiskLimits {
  /** Halt when equity falls this many percent below its peak. */
  readonly max_drawdown_percent?: number;
  /** Halt until the loss window ends when equity falls this many percent below the window's first equity. */
  readonly daily_loss_percent?: number;
  /** Length of the loss window in hours, aligned to UTC midnight (default 24: the UTC day). */
  readonly loss_window_hours?: number;
  /** Refuse orders that would take one symbol's position (with pending entries) past this notional. */
  readonly max_position_notional?: number;
  /** Refuse orders that would take the session's gross exposure (Σ |position| × price) past this. */
  readonly max_gross_exposure?: number;
  /** Halt on the order that would be one too many within 60 s of exchange time. */
  readonly max_orders_per_minute?: number;
  /** After this many losing round trips in a row, no new entries for the cooldown. */
  readonly max_consecutive_losses?: number;
  /** After this many stop-outs within the stop-out window, no new entries for the cooldown. */
  readonly max_stop_outs?: number;
  /** The stop-out window in minutes (default 60). */
  readonly stop_out_window_minutes?: number;
  /** How long new entries stay refused after a loss streak or stop-outs, in minutes (default 60). */
  readonly loss_cooldown_minutes?: number;
  /** Close every position when the session halts (default false: protective orders stay). */
  readonly flatten_on_halt?: boolean;
  /**
   * In a portfolio session, count loss streaks and stop-outs per symbol and
   * stop entries only in that symbol (default false: over the whole session).
   */
  readonly cooldown_per_symbol?: boolean;
}

/** Keys of the limits that cap something: a lower value is stricter. */
const CAPS = [
  "max_drawdown_percent",
  "daily_loss_percent",
  "max_position_notional",
  "max_gross_exposure",
  "max_orders_per_minute",
  "max_consecutive_losses",
  "max_stop_outs",
] as const;

/** Every key of {@link RiskLimits}. */
export const RISK_LIMIT_KEYS = [
  ...CAPS,
  "loss_window_hours",
  "stop_out_window_minutes",
  "loss_cooldown_minutes",
  "flatten_on_halt",
  "cooldown_per_symbol",
] as const;

/** Keys of the limits that are on or off. */
export const RISK_FLAGS: readonly string[] = ["flatten_on_halt", "cooldown_per_symbol"];

const COOLDOWN_KEYS = [
  "max_consecutive_losses",
  "max_stop_outs",
  "stop_out_window_minutes",
  "loss_cooldown_minutes",
];

/**
 * A portfolio session's limits split by scope: with `cooldown_per_symbol`,
 * the loss-streak and stop-out rules go to each symbol (`symbol`) and the rest
 * to the session; otherwise all to the session (`symbol` undefined).
 */
export function splitByScope(limits: RiskLimits): { session: RiskLimits; symbol?: RiskLimits } {
  if (limits.cooldown_per_symbol !== true) return { session: limits };
  const session: Record<string, unknown> = {};
  const symbol: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(limits)) {
    (COOLDOWN_KEYS.includes(key) ? symbol : session)[key] = value;
  }
  return { session, symbol };
}

/** Only the risk-limit keys of `source` (a strategy's `risk` block also holds stops and targets). */
export function pickLimits(source: object | undefined): RiskLimits {
  const out: Record<string, unknown> = {};
  if (source === undefined) return out;
  for (const key of RISK_LIMIT_KEYS) {
    const value = (source as Record<string, unknown>)[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/**
 * The limits a session runs under: the session's own override the
 * strategy's, then each account-wide cap applies where it is stricter (or
 * where the session sets none); `flatten_on_halt` is on when any level asks.
 */
export function effectiveLimits(
  strategy: RiskLimits | undefined,
  session?: RiskLimits,
  account?: RiskLimits,
): RiskLimits {
  const merged: Record<string, unknown> = { ...pickLimits(strategy), ...pickLimits(session) };
  const capped = pickLimits(account) as Record<string, unknown>;
  for (const key of CAPS) {
    const cap = capped[key] as number | undefined;
    const own = merged[key] as number | undefined;
    if (cap !== undefined && (own === undefined || cap < own)) merged[key] = cap;
  }
  for (
    const key of [
      "loss_window_hours",
      "stop_out_window_minutes",
      "loss_cooldown_minutes",
      "cooldown_per_symbol",
    ]
  ) {
    if (merged[key] === undefined && capped[key] !== undefined) merged[key] = capped[key];
  }
  if (capped.flatten_on_halt === true) merged.flatten_on_halt = true;
  return merged;
}
