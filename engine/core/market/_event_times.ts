/** Internal: the times an event speaks of, as the validators compare them. */
import type { MarketEvent } from "../types.ts";

/** When an event begins: a trade's or quote's time, a candle's open time. */
export function startTime(event: MarketEvent): number {
  return event.type === "candle" ? event.openTime : event.time;
}

/** The latest time an event is about: a trade's or quote's time, a candle's close time. */
export function endTime(event: MarketEvent): number {
  return event.type === "candle" ? event.closeTime : event.time;
}

/**
 * The time an event says the market has reached: a trade's or quote's time,
 * a forming candle's open time, a closed candle's close time.
 */
export function reachedTime(event: MarketEvent): number {
  if (event.type !== "candle") return event.time;
  return event.closed ? event.closeTime : event.openTime;
}
