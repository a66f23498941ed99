/**
 * How a session's trading state and its risk events read to people (CLI,
 * dashboard).
 */
import type { RiskEvent, RiskView } from "../engine/core/risk/events.ts";
import { time } from "./format.ts";

/** The trading state with its rule and, for a timed state, its end: `halted (daily_loss) until …`. */
export function tradingState(risk: RiskView): string {
  if (risk.state === "active") return "active";
  const rule = risk.reason ? ` (${risk.reason.rule})` : "";
  const until = risk.until === null ? "" : ` until ${time(risk.until)}`;
  return `${risk.state}${rule}${until}`;
}

/** What a risk event says, in one line: the change or the refused order, and why. */
export function riskEventText(event: RiskEvent): string {
  if (event.kind === "state") {
    const flatten = event.flatten ? ", positions closed" : "";
    return `${event.previous} → ${event.state}${flatten}: ${event.message}`;
  }
  const o = event.order;
  return `refused ${o.side} ${o.quantity} ${o.symbol}${
    o.tag ? ` (${o.tag})` : ""
  }: ${event.message}`;
}
