import assert from "node:assert/strict";
import { type LiveMessage, tradingTopic } from "../contract/mod.ts";
import { sql } from "../db/mod.ts";
import type { Order } from "../engine/core/execution/mod.ts";
import type { Trade } from "../engine/core/types.ts";
import { SimFeed } from "../engine/runtime/market/sim_feed.ts";
import { eventually, startTestServer, type TestServer } from "./support/server.ts";

const FAST = { heartbeatMs: 100, hangMs: 600, maxRestarts: 5, restartWindowMs: 60_000 };
/** Every trade of the stream is at this price, but one. */
const PRICE = 100;
/** The one trade that reaches the resting limit buy: it arrives while the worker is down. */
const DIP = 89;

let nextId = 1;
function trade(price: number): Trade {
  return {
    type: "trade",
    symbol: "BTCUSDT",
    id: nextId++,
    price,
    qty: 1,
    time: Date.now(),
    buyerMaker: false,
  };
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

Deno.test("a restarted worker resumes after the batches its durable state includes: the trades while it was down are processed, none skipped", async () => {
  // A feed that emits nothing by itself: the test publishes every trade.
  const server = await startTestServer({ timings: FAST, feed: new SimFeed({ rate: 0 }) });
  const { supervisor, hub } = server.service;
  const stream = setInterval(() => publish(server, PRICE), 5);
  try {
    const { id } = await call(server, "POST", "", {
      strategy: "ema_cross_fast",
      symbol: "BTCUSDT",
    });
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

    // The worker crashes; while it is down (told synchronously as the restart begins, after
    // the old worker is gone and before the new one starts), the market dips once to the limit.
    let dipSeq = 0;
    const stop = server.service.live.subscribe(tradingTopic(id), (message) => {
      const m = message as LiveMessage;
      if (m.type !== "status" || m.status !== "starting" || dipSeq > 0) return;
      publish(server, DIP);
      dipSeq = hub.lastSeq("BTCUSDT");
    });
    supervisor.inject(id, "crash");
    await eventually(() => dipSeq || undefined, { what: "the crashed worker being restarted" });
    stop();

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
