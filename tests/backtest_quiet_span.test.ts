/**
 * Quiet spans: a session core fed through its trade entry (whose trades join
 * quiet spans, as a backtest feeds it) and one fed every trade the full way
 * give the same effects and the same state read between trades (a read ends
 * a span), to the bit, over trades that hold positions long and short, leave
 * time between them, come out of order, are unusable or have no size, for
 * strategies with and without protective orders and with each order kind the
 * strategy language places (market and limit entries and exits, stop-losses,
 * take-profits, trailing stops), under latency, touch fills and partial fills;
 * and over scripted prices that approach, touch, cross and gap over the
 * levels of resting orders of each kind a trader can place.
 */
import assert from "node:assert/strict";
import { resolveExecutionConfig } from "../engine/core/execution/mod.ts";
import { type ManualOrder, SessionCore, type SessionEffect } from "../engine/core/session/mod.ts";
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

/** The EMA cross demo (a stop-loss and a take-profit) with `extra` appended or `risk` lines added. */
async function demo(extra: { risk?: string; orders?: string }): Promise<string> {
  const text = await Deno.readTextFile(
    new URL("../strategies/ema_cross_demo.yaml", import.meta.url),
  );
  const risk = extra.risk === undefined
    ? text
    : text.replace("take_profit: { percent: 1 }", `take_profit: { percent: 1 }\n  ${extra.risk}`);
  return extra.orders === undefined ? risk : `${risk}orders: ${extra.orders}\n`;
}

const SOURCES: Record<string, () => Promise<string>> = {
  ema_cross: () => Deno.readTextFile(new URL("../strategies/ema_cross.yaml", import.meta.url)),
  ema_cross_demo: () => demo({}),
  bollinger_breakout: () =>
    Deno.readTextFile(new URL("../strategies/bollinger_breakout.yaml", import.meta.url)),
  range: () => Promise.resolve(RANGE),
  "demo, limit entries and exits": () =>
    demo({
      orders:
        "{ entry: { type: limit, offset_percent: 0.05 }, exit: { type: limit, offset_percent: 0 } }",
    }),
  "demo, trailing stop": () => demo({ risk: "trailing_stop: { percent: 0.3 }" }),
};

/** Execution settings: the defaults, and pending arrivals with touch fills and partial fills. */
const EXECUTIONS: Record<string, Record<string, unknown>> = {
  defaults: {},
  "latency, touch, partial fills": {
    latency_ms: 450,
    queue: "touch",
    max_volume_share: 0.3,
    slippage: { model: "sqrt" },
  },
};

/** Feeds `trades` to a core through its trade entry and to one through `step()`, comparing reads between them. */
function feedBoth(
  spans: SessionCore,
  full: SessionCore,
  trades: readonly Trade[],
  effects: { spans: SessionEffect[]; full: SessionEffect[] },
  readEvery: number,
  timeframe: "1m" | "1h",
): void {
  for (let i = 0; i < trades.length; i++) {
    spans.trade(trades[i], effects.spans);
    full.step(trades[i], effects.full);
    if (i % readEvery === readEvery - 1) {
      // A read between trades ends the span: the state must be the full path's.
      assert.deepEqual(spans.view(), full.view(), `view after trade ${i}`);
      assert.deepEqual(
        spans.candles(timeframe),
        full.candles(timeframe),
        `candles after trade ${i}`,
      );
    }
  }
}

for (const [name, source] of Object.entries(SOURCES)) {
  for (const [executionName, execution] of Object.entries(EXECUTIONS)) {
    Deno.test(`quiet spans change nothing: ${name}, ${executionName}`, async () => {
      const strategy = validateStrategy(await source());
      const setup = {
        symbol: "BTCUSDT",
        strategy,
        execution: resolveExecutionConfig({ allow_short: true, ...execution }),
      };
      const spans = new SessionCore(setup);
      const full = new SessionCore(setup);
      const effects = { spans: [] as SessionEffect[], full: [] as SessionEffect[] };
      feedBoth(spans, full, awkwardTrades(120_000), effects, 7919, "1m");
      assert.ok(
        effects.full.some((e) => e.type === "trade_closed"),
        "no round trip closed: the positions were not compared",
      );
      assert.deepEqual(effects.spans, effects.full);
      assert.deepEqual(spans.state(), full.state());
    });
  }
}

/** A strategy that sends no signal over the scripted trades (its EMAs need hours of candles): only the trader's orders act. */
const IDLE = `
version: 1
name: idle
timeframe: 1h
indicators:
  fast: { type: EMA, period: 3 }
  slow: { type: EMA, period: 8 }
entry:
  long: { crosses_above: [fast, slow] }
sizing: { type: percent_of_equity, value: 10 }
`;

/**
 * Resting orders a trader can place and the level a scripted price goes to
 * (`above`: the level is above the price of 100 the orders are placed at).
 */
const RESTING: { name: string; orders: ManualOrder[]; level: number; above: boolean }[] = [
  {
    name: "buy limit",
    orders: [{ side: "buy", type: "limit", quantity: 1, price: 99 }],
    level: 99,
    above: false,
  },
  {
    name: "sell limit",
    orders: [{ side: "sell", type: "limit", quantity: 1, price: 101 }],
    level: 101,
    above: true,
  },
  {
    name: "buy stop",
    orders: [{ side: "buy", type: "stop_market", quantity: 1, stop_price: 101 }],
    level: 101,
    above: true,
  },
  {
    name: "sell stop",
    orders: [{ side: "sell", type: "stop_market", quantity: 1, stop_price: 99 }],
    level: 99,
    above: false,
  },
  {
    name: "buy stop-limit",
    orders: [{ side: "buy", type: "stop_limit", quantity: 1, stop_price: 101, price: 101.5 }],
    level: 101,
    above: true,
  },
  {
    name: "sell stop-limit",
    orders: [{ side: "sell", type: "stop_limit", quantity: 1, stop_price: 99, price: 98.5 }],
    level: 99,
    above: false,
  },
  ...[99, 101].map((level) => ({
    name: `bracket, to its ${level < 100 ? "stop-loss" : "take-profit"}`,
    orders: [
      { side: "buy", type: "market", quantity: 1, bracket: { stop_loss: 99, take_profit: 101 } },
      // A limit further out on the other side: the band has both bounds set by orders.
      {
        side: level < 100 ? "sell" : "buy",
        type: "limit",
        quantity: 1,
        price: level < 100 ? 102 : 98,
      },
    ] satisfies ManualOrder[],
    level,
    above: level > 100,
  })),
];

/**
 * Prices from 100 towards `level`: halving the distance (strictly inside),
 * then per `end`: back off (approach), exactly the level (touch), the
 * nearest price beyond it (cross), or from deep inside far beyond (gap); then
 * back and forth over the level, and back to 100.
 */
function scripted(
  level: number,
  above: boolean,
  end: "approach" | "touch" | "cross" | "gap",
): number[] {
  const out: number[] = [];
  const toward = above ? 1 : -1;
  if (end === "gap") out.push(100, level - toward * 0.9, level + toward * 2);
  else {
    for (let k = 0; k < 40; k++) out.push(level - toward * 2 ** -k);
    if (end === "touch") out.push(level);
    // The next double beyond the level (1 ulp at this magnitude is below 2^-46).
    if (end === "cross") out.push(level + toward * 2 ** -46);
  }
  for (let k = 0; k < 30; k++) out.push(level + toward * (k % 3 - 1) * 0.25, level);
  for (let k = 0; k < 30; k++) out.push(100 + (k % 5) * 0.1);
  return out;
}

for (const [executionName, execution] of Object.entries(EXECUTIONS)) {
  for (const resting of RESTING) {
    Deno.test(`quiet spans change nothing while orders rest: ${resting.name}, ${executionName}`, () => {
      const setup = {
        symbol: "BTCUSDT",
        strategy: validateStrategy(IDLE),
        execution: resolveExecutionConfig({ allow_short: true, ...execution }),
      };
      for (const end of ["approach", "touch", "cross", "gap"] as const) {
        const spans = new SessionCore(setup);
        const full = new SessionCore(setup);
        const effects = { spans: [] as SessionEffect[], full: [] as SessionEffect[] };
        let time = Date.UTC(2026, 0, 1);
        let id = 0;
        const at = (price: number): Trade => ({
          type: "trade",
          symbol: "BTCUSDT",
          id: id++,
          price,
          qty: 0.5,
          time: time += 100,
          buyerMaker: id % 2 === 0,
        });
        feedBoth(spans, full, [at(100), at(100), at(100)], effects, 1, "1h");
        for (const order of resting.orders) {
          spans.placeOrder(order, effects.spans);
          full.placeOrder(order, effects.full);
        }
        const placed = effects.full.length;
        const prices = scripted(resting.level, resting.above, end);
        feedBoth(spans, full, prices.map(at), effects, 41, "1h");
        assert.deepEqual(effects.spans, effects.full, `effects (${end})`);
        assert.deepEqual(spans.state(), full.state(), `state (${end})`);
        assert.ok(
          effects.full.slice(placed).some((e) => e.type === "order"),
          `no order changed when the price went over ${resting.level} (${end}): nothing was compared`,
        );
      }
    });
  }
}
