/**
 * Quiet spans: a session core fed through its trade entry (whose trades join
 * quiet spans, as a backtest feeds it) and one fed every trade the full way
 * give the same effects and the same state read between trades (a read ends
 * a span), to the bit, over trades that hold positions long and short, leave
 * time between them, come out of order, are unusable or have no size, for
 * strategies with and without protective orders.
 */
import assert from "node:assert/strict";
import { resolveExecutionConfig } from "../engine/core/execution/mod.ts";
import { SessionCore, type SessionEffect } from "../engine/core/session/mod.ts";
import type { Trade } from "../engine/core/types.ts";
import { SimPath } from "../engine/runtime/market/mod.ts";
import { validateStrategy } from "../engine/runtime/strategies.ts";

/** Simulated trades with awkward ones mixed in (times going back, unusable prices, no size, gaps). */
function awkwardTrades(count: number): Trade[] {
  const path = new SimPath("BTCUSDT", 11);
  const out: Trade[] = [];
  let time = Date.UTC(2026, 0, 1);
  for (let i = 0; i < count; i++) {
    time += i % 1500 === 700 ? 95_000 : 170 + (i % 3) * 60 + (i % 11 === 4 ? 0.5 : 0);
    const trade = { ...path.next(time)[0] as Trade };
    if (i % 997 === 5) trade.time -= 300;
    if (i % 1009 === 7) trade.price = NaN;
    if (i % 503 === 1) trade.qty = 0;
    out.push(trade);
  }
  return out;
}

/** A strategy whose stop and rules read the candles' high and low (an ATR, a channel). */
const RANGE = `
version: 1
name: range
timeframe: 1m
indicators:
  atr: { type: ATR, period: 14 }
  mid: { type: SMA, period: 20, source: hl2 }
entry:
  long: { crosses_above: [close, mid] }
  short: { crosses_below: [close, mid] }
exit:
  long: { crosses_below: [close, mid] }
  short: { crosses_above: [close, mid] }
sizing: { type: percent_of_equity, value: 30 }
risk:
  stop_loss: { atr: atr, multiple: 3 }
`;

const SOURCES: Record<string, () => Promise<string>> = {
  ema_cross: () => Deno.readTextFile(new URL("../strategies/ema_cross.yaml", import.meta.url)),
  ema_cross_demo: () =>
    Deno.readTextFile(new URL("../strategies/ema_cross_demo.yaml", import.meta.url)),
  range: () => Promise.resolve(RANGE),
};

for (const [name, source] of Object.entries(SOURCES)) {
  Deno.test(`quiet spans change nothing: ${name}`, async () => {
    const strategy = validateStrategy(await source());
    const setup = {
      symbol: "BTCUSDT",
      strategy,
      execution: resolveExecutionConfig({ allow_short: true }),
    };
    const spans = new SessionCore(setup);
    const full = new SessionCore(setup);
    const spanEffects: SessionEffect[] = [];
    const fullEffects: SessionEffect[] = [];
    const trades = awkwardTrades(120_000);
    for (let i = 0; i < trades.length; i++) {
      spans.trade(trades[i], spanEffects);
      full.step(trades[i], fullEffects);
      if (i % 7919 === 0) {
        // A read between trades ends the span: the state must be the full path's.
        assert.deepEqual(spans.view(), full.view(), `view after trade ${i}`);
        assert.deepEqual(spans.candles("1m"), full.candles("1m"), `candles after trade ${i}`);
      }
    }
    assert.ok(
      fullEffects.some((e) => e.type === "trade_closed"),
      "no round trip closed: the positions were not compared",
    );
    assert.deepEqual(spanEffects, fullEffects);
    assert.deepEqual(spans.state(), full.state());
  });
}
