/**
 * Alerts: webhooks for fills, round trips, session failures, feed outages and
 * risk state changes, from a durable outbox delivered at least once.
 * @module
 */
export { type AlertHealth, Alerts } from "./alerts.ts";
export { ALERT_KINDS, type AlertKind } from "./kinds.ts";
export { DISPATCH_TIMINGS, type DispatchTimings } from "./dispatcher.ts";
export { describeAlert, renderAlert } from "./render.ts";
export { signAlert } from "./signature.ts";
