/** What alerts are about. */

/**
 * Alert kinds: a fill, a closed round trip, a session's worker restarted or
 * the session failed, the market feed down or back, and a session's (or the
 * account's) risk trading state changed (`risk_state`, fed by the risk engine).
 */
export const ALERT_KINDS = [
  "fill",
  "round_trip",
  "session_restarted",
  "session_failed",
  "feed_down",
  "feed_up",
  "risk_state",
] as const;

/** One alert kind. */
export type AlertKind = typeof ALERT_KINDS[number];
