import assert from "node:assert/strict";
import { BEHIND_MS, type LiveMessage, type SessionSummary, tradingTopic } from "../contract/mod.ts";
import type { Trade } from "../engine/core/types.ts";
import { MarketHub } from "../engine/runtime/market/hub.ts";
import { SimFeed } from "../engine/runtime/market/sim_feed.ts";
import { eventually, startTestServer } from "./support/server.ts";
import { createSession } from "./support/api.ts";
import { T0, tradeOf } from "./support/trades.ts";

const FAST = { heartbeatMs: 100, hangMs: 600, maxRestarts: 5, restartWindowMs: 60_000 };
/** How long the worker is kept busy: far longer than the hang bound, past {@link BEHIND_MS}. */
const BUSY_MS = 3_000;

function trade(id: number): Trade {
  return tradeOf({ id, time: T0 + id });
}

Deno.test("hub lag: the age of the oldest batch a subscriber has not handled, 0 when up to date", async () => {
  const hub = new MarketHub(new SimFeed(), { warmup: false });
  try {
    const before = performance.now();
    hub.ingest(trade(1));
    hub.flush();
    const after = performance.now();
    hub.ingest(trade(2));
    hub.flush();
    assert.equal(hub.lastSeq("BTCUSDT"), 2);
    const lag = hub.lagMs("BTCUSDT", 0, after + 500);
    assert.ok(lag >= 500 && lag <= 500 + (after - before), `lag of seq 1: ${lag} ms`);
    assert.ok(hub.lagMs("BTCUSDT", 1, after + 500) <= 500, "seq 2 was published after seq 1");
    assert.equal(hub.lagMs("BTCUSDT", 2), 0, "a subscriber that handled the newest batch");
    assert.equal(hub.lagMs("ETHUSDT", 0), 0, "a symbol with no batches");
  } finally {
    await hub.close();
  }
});

Deno.test("a session that falls behind shows its lag, loses and reorders nothing, and catches up", async () => {
  const server = await startTestServer({ timings: FAST });
  const lags: number[] = [];
  try {
    const id = await createSession(server.url);
    const { supervisor, hub, live } = server.service;
    const stop = live.subscribe(tradingTopic(id), (message) => {
      if ((message as LiveMessage).type === "lag") {
        lags.push((message as { lag_ms: number }).lag_ms);
      }
    });
    const session = async () =>
      await (await fetch(`${server.url}/api/paper_trading/sessions/${id}`))
        .json() as SessionSummary;
    try {
      await eventually(() => supervisor.get(id)?.status === "running" || undefined, {
        what: "the session running",
      });
      await eventually(async () => (await session()).lag_ms! < 250 || undefined, {
        what: "the new session's lag under 250 ms once it runs",
      });

      // The simulated feed keeps trading while the worker cannot take anything in.
      supervisor.inject(id, { busyMs: BUSY_MS });
      const behind = await eventually(async () => {
        const s = await session();
        return s.lag_ms! >= BEHIND_MS ? s : undefined;
      }, { what: `the session's lag_ms reaching ${BEHIND_MS} ms while its worker is busy` });
      assert.ok(behind.lag_ms! < 60_000, `lag ${behind.lag_ms} ms`);
      const health = await (await fetch(`${server.url}/api/health`)).json();
      assert.ok(health.sessions.behind >= 1, JSON.stringify(health.sessions));
      assert.ok(health.sessions.lag_ms.max >= BEHIND_MS, JSON.stringify(health.sessions));

      // After the burst the worker works off its backlog: lag back near 0.
      await eventually(async () => (await session()).lag_ms! < 250 || undefined, {
        what: "the session's lag back under 250 ms after its worker was busy",
      });
      await eventually(() => lags.at(-1) === 0 || undefined, {
        what: "a live lag message saying the session caught up",
      });
      assert.ok(lags.some((lag) => lag >= BEHIND_MS), `live lags: ${lags}`);

      // Nothing skipped or reordered: every batch handled in seq order, no gap given up, no restart.
      const state = supervisor.get(id)!;
      assert.equal(state.bus_gaps, 0, "unrecoverable bus gaps");
      assert.equal(state.restarts, 0, `restarted: ${state.restartReason}`);
      assert.ok(hub.lastSeq("BTCUSDT") > 0);
      await eventually(() => supervisor.lagMs(id) === 0 || undefined, {
        what: "the worker handling the newest bus batch",
      });
    } finally {
      stop();
    }
  } finally {
    await server.stop();
  }
});
