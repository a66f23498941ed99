import assert from "node:assert/strict";
import { type LiveMessage, tradingTopic } from "../contract/mod.ts";
import { sessionInputSchema } from "../contract/schemas.ts";
import { BenchFeed, FLIP_STRATEGY } from "../fixtures/bench_feed.ts";
import { eventually, startTestServer } from "./support/server.ts";

/** Views reach the main thread at most this often per session (the worker's interval). */
const VIEW_INTERVAL_MS = 200;

Deno.test("live views are throttled per session, never show a fill before it is durable, and the last one always follows", async () => {
  const feed = new BenchFeed();
  const server = await startTestServer({ feed, env: { SYMBOLS: "BTCUSDT" } });
  try {
    const { sessions, live, supervisor } = server.service;
    const session = await sessions.create(
      sessionInputSchema.parse({ strategy: FLIP_STRATEGY, symbol: "BTCUSDT" }),
    );
    let durableFills = 0;
    /** Fills shown by each live view, in order. */
    const views: number[] = [];
    /** Views that showed a fill before it was durable. */
    const early: string[] = [];
    const stop = live.subscribe(tradingTopic(session.id), (message) => {
      const m = message as LiveMessage;
      if (m.type === "effect" && m.effect.type === "fill") durableFills++;
      if (m.type === "view") {
        const fills = m.view.metrics.fill_count;
        if (fills > durableFills) early.push(`${fills} fills shown, ${durableFills} durable`);
        views.push(fills);
      }
    });
    try {
      // Warm-up takes one closed 1 s candle (1000 trades).
      await feed.stream(4_000, 0.6);
      await eventually(() => supervisor.get(session.id)?.status === "running" || undefined, {
        what: "the session running once its first candle closed",
      });
      const before = views.length;
      // Every 1 s candle closes a position and opens the next: a fill every 1000 trades.
      const started = performance.now();
      await feed.stream(4_000, 2);
      const elapsed = performance.now() - started;
      assert.ok(durableFills > 0, "the stream produced durable fills");
      const during = views.length - before;
      // One view per interval at most, plus one trailing view and a margin of one more.
      const most = Math.ceil(elapsed / VIEW_INTERVAL_MS) + 2;
      assert.ok(during <= most, `${during} views in ${Math.round(elapsed)} ms (at most ${most})`);
      // The stream stopped: the last view catches up with every durable fill.
      await eventually(
        () => {
          const fills = supervisor.get(session.id)?.view?.metrics.fill_count;
          return fills !== undefined && fills === durableFills && fills > 0 || undefined;
        },
        { what: "the session's view showing every durable fill once the stream stopped" },
      );
      assert.equal(views.at(-1), durableFills, "the last live view shows every fill");
      assert.deepEqual(early, [], "views showing fills that were not yet durable");
    } finally {
      stop();
    }
  } finally {
    await server.stop();
  }
});
