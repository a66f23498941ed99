/**
 * The demo session a fresh start creates must show the product, not a
 * strategy that can only bleed: run its strategy and costs through the
 * backtest over the simulated market (20 trades a second, as the sim feed)
 * and check that it trades, but rarely enough that fees and slippage are a
 * minor part of what its trades move.
 */
import assert from "node:assert/strict";
import { Backtest } from "../engine/core/backtest/mod.ts";
import { parseStrategy } from "../engine/core/strategy/mod.ts";
import { DEMO_STRATEGY, demoSessionInput } from "../engine/runtime/demo.ts";
import { executionOf } from "../engine/runtime/trading_input.ts";
import { simStream } from "./support/backtest_stream.ts";

const HOURS = 2;

Deno.test("the demo session trades a few times an hour and loses little of its moves to costs", async () => {
  const input = demoSessionInput("BTCUSDT");
  assert.equal(input.strategy, DEMO_STRATEGY);
  const source = await Deno.readTextFile(
    new URL(`../strategies/${DEMO_STRATEGY}.yaml`, import.meta.url),
  );
  const parsed = parseStrategy(source);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  let trades = 0, costs = 0, moved = 0;
  for (const seed of [1, 2, 3]) {
    const backtest = new Backtest({
      symbol: "BTCUSDT",
      strategy: parsed.strategy,
      execution: executionOf(input.initial_capital, input),
    });
    for (const event of simStream({ seed, durationMs: HOURS * 3_600_000, stepMs: 50 })) {
      backtest.step(event);
    }
    const { metrics, trades: closed } = backtest.result();
    trades += metrics.trade_count;
    costs += metrics.fees_paid + metrics.slippage_cost;
    // What the trades moved before fees (slippage is in the fill prices, so added back as a cost).
    moved += closed.reduce((sum, t) => sum + Math.abs(t.pnl + t.fees), 0);
  }
  const perHour = trades / (3 * HOURS);
  assert.ok(perHour >= 0.5, `the demo trades: ${perHour} round trips an hour`);
  assert.ok(perHour <= 6, `the demo trades rarely enough to show moves: ${perHour} an hour`);
  const share = costs / (costs + moved);
  assert.ok(share <= 1 / 3, `costs are ${(share * 100).toFixed(0)} % of what the trades moved`);
});
