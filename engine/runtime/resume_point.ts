/**
 * Where a session stopped reading the market: per symbol, the last trade id
 * and quote update id its worker applied, and the exchange time of the last
 * event. Every snapshot a worker sends carries it (`resume`), so a session
 * restored on another node of a cluster replays exactly the events after it
 * from the market stream.
 */
import type { MarketEvent, Trade } from "../core/types.ts";

/** One symbol's position in the market events. */
export interface SymbolPosition {
  /** Id of the last trade applied. */
  trade?: number;
  /** Update id of the last quote applied. */
  quote?: number;
  /** Exchange ms of the last event applied. */
  time: number;
}

/** Per symbol, the last market events a session's state includes. */
export type ResumePoint = Record<string, SymbolPosition>;

/** Records that `event` was applied. */
export function recordApplied(point: ResumePoint, event: MarketEvent): void {
  const at = point[event.symbol] ??= { time: 0 };
  if (event.type === "trade") at.trade = event.id;
  else if (event.type === "quote") at.quote = event.updateId;
  const time = event.type === "candle" ? event.closeTime : event.time;
  if (time > at.time) at.time = time;
}

/** Whether `event` comes after `at` (a restored session has not applied it yet). */
export function isAfter(event: MarketEvent, at: SymbolPosition): boolean {
  if (event.type === "trade") {
    return at.trade === undefined ? event.time > at.time : event.id > at.trade;
  }
  if (event.type === "quote") {
    return at.quote === undefined ? event.time > at.time : event.updateId > at.quote;
  }
  return event.closeTime > at.time;
}

/** Whether `event` is a trade the state includes from time `from` on (it rebuilds a forming candle). */
export function isIncludedTrade(
  event: MarketEvent,
  at: SymbolPosition,
  from: number,
): event is Trade {
  return event.type === "trade" && event.time >= from && !isAfter(event, at);
}

/** A snapshot's JSON text with its resume point. */
export function withResumePoint(state: object, point: ResumePoint): string {
  return JSON.stringify({ ...state, resume: point });
}

/** The resume point a stored snapshot carries (undefined for one written before it existed). */
export function resumePointOf(snapshot: unknown): ResumePoint | undefined {
  const point = (snapshot as { resume?: ResumePoint } | undefined)?.resume;
  return point && typeof point === "object" ? structuredClone(point) : undefined;
}
