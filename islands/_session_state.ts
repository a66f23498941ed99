/**
 * The session data the islands share: a session summary (as the REST API
 * returns it), the live messages of its `trading:ID` topic, and how a message
 * updates a summary. Type-only imports: nothing from the engine is bundled.
 */
import { useEffect, useRef } from "preact/hooks";
import {
  type Fill,
  type LiveMessage,
  type SessionStatus,
  type SessionSummary,
  tradingTopic,
  viewFigures,
} from "../contract/mod.ts";
import type { SessionEffect, SessionView } from "../engine/core/session/mod.ts";
import { subscribe } from "./_live.ts";

export type { Fill, LiveMessage, SessionEffect, SessionStatus, SessionSummary, SessionView };

/** Statuses after which a session no longer changes. */
export const FINAL_STATUSES: readonly string[] = ["stopped", "failed"];

/** The summary after a live message (views carry equity, position, metrics; statuses the status; lags the lag). */
export function withLive(summary: SessionSummary, message: LiveMessage): SessionSummary {
  if (message.type === "status") {
    return { ...summary, status: message.status, last_error: message.error ?? summary.last_error };
  }
  if (message.type === "lag") return { ...summary, lag_ms: message.lag_ms };
  if (message.type !== "view") return summary;
  const { view } = message;
  return {
    ...summary,
    ...viewFigures(view, summary.initial_capital),
    status: message.status,
    warmup: view.warmup,
    risk: view.risk,
  };
}

/** Calls `fn` with every live message of a session while the component is mounted. */
export function useSessionLive(id: string, fn: (message: LiveMessage) => void): void {
  const latest = useRef(fn);
  latest.current = fn;
  useEffect(
    () => subscribe(tradingTopic(id), (data) => latest.current(data as LiveMessage)),
    [id],
  );
}

/** Calls `fn` with every fill of a session as it happens. */
export function useLiveFills(id: string, fn: (fill: Fill) => void): void {
  useSessionLive(id, (message) => {
    if (message.type === "effect" && message.effect.type === "fill") fn(message.effect.fill);
  });
}
