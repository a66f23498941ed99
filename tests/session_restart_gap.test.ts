import assert from "node:assert/strict";
import { type LiveMessage, tradingTopic } from "../contract/mod.ts";
import { sql } from "../db/mod.ts";
import type { Order } from "../engine/core/execution/mod.ts";
import type { Trade } from "../engine/core/types.ts";
import { SimFeed } from "../engine/runtime/market/sim_feed.ts";
import { eventually, startTestServer, type TestServer } from "./support/server.ts";
import { tradeOf } from "./support/trades.ts";

const FAST = { heartbeatMs: 100, hangMs: 600, maxRestarts: 5, restartWindowMs: 60_000 };
/** Every trade of the stream is at this price, but one. */
const PRICE = 100;
/** The one trade that reaches the resting limit buy: it arrives while the worker is down. */
const DIP = 89;
/** Batches the service's hub keeps for recovery (its default). */
const RETAINED = 4096;

let nextId = 1;
function trade(price: number): Trade {
  return tradeOf({ id: nextId++, price, time: Date.now() });
}

/** Publishes one trade on the bus as its own batch. */
function publish(server: TestServer, price: number): void {
  server.service.hub.ingest(trade(price));
  server.service.hub.flush();
}

async function call(server: TestServer, method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.url}/api/paper_trading/sessions${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text);
}

/**
 * Crashes the session's worker and runs `whileDown` as the restart begins
 * (told synchronously, after the old worker is gone and before the new one
 * starts). Returns the bus seq right after `whileDown`.
 */
async function crashWhile(server: TestServer, id: string, whileDown: () => void): Promise<number> {
  let seq = 0;
  const stop = server.service.live.subscribe(tradingTopic(id), (message) => {
    const m = message as LiveMessage;
    if (m.type !== "status" || m.status !== "starting" || seq > 0) return;
    whileDown();
    seq = server.service.hub.lastSeq("BTCUSDT");
  });
  try {
    server.service.supervisor.inject(id, "crash");
    return await eventually(() => seq || undefined, { what: "the crashed worker being restarted" });
  } finally {
    stop();
  }
}

/** Starts the service on a feed that emits nothing by itself, and a session that runs. */
async function runningSession(): Promise<{ server: TestServer; id: string }> {
  const server = await startTestServer({ timings: FAST, feed: new SimFeed({ rate: 0 }) });
  publish(server, PRICE);
  const { id } = await call(server, "POST", "", { strategy: "ema_cross_fast", symbol: "BTCUSDT" });
  await eventually(
    () => /^(running|warming_up)$/.test(server.service.supervisor.get(id)!.status) || undefined,
    {
      what: "the session running (or warming up) once its worker is ready",
    },
  );
  return { server, id };
}

Deno.test("a restarted worker resumes after the batches its durable state includes: the trades while it was down are processed, none skipped", async () => {
  const { server, id } = await runningSession();
  const { supervisor, hub } = server.service;
  const stream = setInterval(() => publish(server, PRICE), 5);
  try {
    await eventually(() => supervisor.lagMs(id) === 0 && hub.lastSeq("BTCUSDT") > 0 || undefined, {
      what: "the session's worker handling the trades of the stream",
    });
    const limit: Order = await call(server, "POST", `/${id}/orders`, {
      side: "buy",
      type: "limit",
      quantity: 0.1,
      price: 90,
    });
    assert.equal(limit.status, "new", "the limit buy rests below the market");

    // The worker crashes; while it is down, the market dips once to the limit.
    const dipSeq = await crashWhile(server, id, () => publish(server, DIP));

    await eventually(() => supervisor.get(id)!.status === "running" || undefined, {
      what: "the session running again",
    });
    await eventually(() => supervisor.lagMs(id) === 0 || undefined, {
      what: "the restarted worker catching up with the stream",
    });
    assert.ok(hub.lastSeq("BTCUSDT") > dipSeq, "trades kept coming after the dip");

    const filled = await eventually(async () => {
      const rows = await server.service.db.query<{ price: string }>(
        sql`select price from fills where session_id = ${id} and order_id = ${limit.id}`,
      );
      return rows.length > 0 ? rows : undefined;
    }, {
      what: `the resting limit buy filling on the dip to ${DIP} the restarted worker recovered`,
    });
    assert.ok(Number(filled[0].price) <= 90, `filled at ${filled[0].price}`);
    const summary = await call(server, "GET", `/${id}`);
    assert.equal(summary.bus_gaps, 0, "no market data given up");
    assert.equal(summary.restarts, 1);
  } finally {
    clearInterval(stream);
    await server.stop();
  }
});

Deno.test("batches the hub no longer holds when a worker restarts are a counted gap on the session and in health, not a silent skip", async () => {
  const { server, id } = await runningSession();
  const { supervisor } = server.service;
  try {
    await eventually(() => supervisor.lagMs(id) === 0 || undefined, {
      what: "the session's worker handling the first trade",
    });
    // More batches than the hub retains (4096) go by while the worker is down.
    await crashWhile(server, id, () => {
      for (let i = 0; i < RETAINED + 10; i++) publish(server, PRICE);
    });
    await eventually(() => supervisor.get(id)!.bus_gaps > 0 || undefined, {
      what: "the restarted worker reporting the batches it could not recover",
    });
    const summary = await call(server, "GET", `/${id}`);
    assert.equal(summary.bus_gaps, 1, "one run of lost batches");
    const health = await (await fetch(`${server.url}/api/health`)).json();
    assert.equal(health.sessions.bus_gaps, 1, JSON.stringify(health.sessions));
    await eventually(() => supervisor.lagMs(id) === 0 || undefined, {
      what: "the restarted worker moving on past the gap to the newest batch",
    });
  } finally {
    await server.stop();
  }
});
