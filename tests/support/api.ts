/**
 * Calling a running service's REST API from tests: requests, creating a
 * session, and a round trip traded by hand.
 */
import assert from "node:assert/strict";
import type { Service } from "../../engine/runtime/service.ts";
import { createApp } from "../../routes/app.ts";
import { eventually } from "./wait.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

/** An answer: its status, its JSON body (if any), its text and its headers. */
export interface ApiAnswer {
  readonly status: number;
  readonly body: Json;
  readonly text: string;
  readonly headers: Headers;
}

/** Sends `body` as JSON to `base + path` and reads the answer. */
export async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiAnswer> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? JSON.parse(text) : undefined,
    text,
    headers: response.headers,
  };
}

/**
 * Calls the API of a service started in the test's own process (no server):
 * sends `body` as JSON and answers the status and the JSON body (if any).
 */
export function inProcessClient(service: Service) {
  const app = createApp(service);
  return async (method: string, path: string, body?: unknown) => {
    const response = await app.request(path, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as Json };
  };
}

/** The session most tests run: the fast EMA cross on BTCUSDT, which trades within seconds. */
export const FAST_EMA_SESSION = { strategy: "ema_cross_fast", symbol: "BTCUSDT" } as const;

/** Creates a session with `body` (default {@link FAST_EMA_SESSION}); fails unless 201. Its id. */
export async function createSession(
  base: string,
  body: Record<string, unknown> = FAST_EMA_SESSION,
): Promise<string> {
  const created = await call(base, "POST", "/api/paper_trading/sessions", body);
  assert.equal(created.status, 201, created.text);
  return created.body.id;
}

/** Waits until the backtest job `id` is done (failing at once if it failed); the finished job. */
export function backtestDone(base: string, id: string, timeoutMs?: number): Promise<Json> {
  return eventually(async () => {
    const job = (await call(base, "GET", `/api/backtests/${id}`)).body;
    assert.notEqual(job.status, "failed", job.error);
    return job.status === "done" ? job : undefined;
  }, { what: `the backtest job ${id} to finish`, timeoutMs });
}

/** A strategy (as a JSON body's object) that never trades: a price above 10^12 enters. */
export const QUIET_STRATEGY = {
  version: 1,
  name: "quiet",
  timeframe: "1m",
  entry: { long: { gt: ["close", 1e12] } },
  sizing: { type: "fixed_quantity", value: 0.01 },
};

/** A strategy that never enters by itself: every fill comes from the test's own orders. */
export const IDLE_STRATEGY = `version: 1
name: idle
timeframe: 1s
entry:
  long: { lt: [close, 0] }
sizing: { type: percent_of_equity, value: 10 }`;

/**
 * Starts an idle BTCUSDT session (with `extra` in its body) and trades one
 * round trip by hand: a buy once there is a price, then a close. Two fills and
 * a closed trade; returns the session's id.
 */
export async function manualRoundTrip(
  base: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const id = await createSession(base, { strategy: IDLE_STRATEGY, symbol: "BTCUSDT", ...extra });
  await eventually(async () => {
    const r = await call(base, "POST", `/api/paper_trading/sessions/${id}/orders`, {
      side: "buy",
      notional: 100,
    });
    return r.status === 201 ? r : undefined;
  }, { what: "a manual buy filled (needs a first price)", timeoutMs: 30_000 });
  const closed = await call(base, "POST", `/api/paper_trading/sessions/${id}/close`);
  assert.equal(closed.status, 200, closed.text);
  return id;
}
