/**
 * Each risk rule on a crafted sequence of market trades and orders: the state
 * changes on exactly the trade (or order) the rule names, with its numbers,
 * and the session refuses what the state forbids.
 */
import assert from "node:assert/strict";
import { type ManualOrder, SessionCore, type SessionEffect } from "../engine/core/session/mod.ts";
import { resolveExecutionConfig } from "../engine/core/execution/mod.ts";
import { parseStrategy } from "../engine/core/strategy/mod.ts";
import type { RiskEvent, RiskLimits } from "../engine/core/risk/mod.ts";

const SYMBOL = "XYZUSDT";
/** 2026-01-01T01:00Z: an hour into a UTC day. */
const T0 = Date.UTC(2026, 0, 1, 1);

/** A strategy that never signals: the tests drive orders by hand. */
function quietStrategy(risk: RiskLimits = {}) {
  const parsed = parseStrategy(JSON.stringify({
    version: 1,
    name: "quiet",
    timeframe: "1m",
    entry: { long: { gt: ["close", 1e12] } },
    sizing: { type: "fixed_quantity", value: 1 },
    risk,
  }));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.strategy;
}

/** A session without fees, slippage or latency, so every number is exact. */
function session(risk: RiskLimits): SessionCore {
  return new SessionCore({
    symbol: SYMBOL,
    strategy: quietStrategy(risk),
    execution: resolveExecutionConfig({
      initial_cash: 1_000,
      maker_fee: 0,
      taker_fee: 0,
      slippage: { model: "fixed", bps: 0 },
      latency_ms: 0,
      filters: { [SYMBOL]: { tickSize: 0.01, stepSize: 0.001, minNotional: 1 } },
    }),
  });
}

let tradeId = 1;

/** Feeds one trade; returns its effects. */
function trade(core: SessionCore, price: number, time: number): SessionEffect[] {
  const out: SessionEffect[] = [];
  core.step({
    type: "trade",
    symbol: SYMBOL,
    id: tradeId++,
    price,
    qty: 1,
    time,
    buyerMaker: false,
  }, out);
  return out;
}

function order(core: SessionCore, request: ManualOrder) {
  const out: SessionEffect[] = [];
  return { order: core.placeOrder(request, out), effects: out };
}

const buy = (quantity: number, extra: Partial<ManualOrder> = {}): ManualOrder => ({
  side: "buy",
  type: "market",
  quantity,
  ...extra,
});
const sell = (quantity: number): ManualOrder => ({ side: "sell", type: "market", quantity });

function riskEvents(effects: readonly SessionEffect[]): RiskEvent[] {
  return effects.filter((e): e is RiskEvent => e.type === "risk");
}

Deno.test("max drawdown halts on the first trade below the peak by the limit", () => {
  const core = session({ max_drawdown_percent: 10 });
  trade(core, 100, T0);
  assert.equal(order(core, buy(5)).order.status, "filled");
  // equity = 500 + 5 × price: the peak is 1050 at 110; 10% below it is 945 (price 89).
  for (const [i, price] of [110, 95, 89].entries()) {
    assert.deepEqual(riskEvents(trade(core, price, T0 + 1_000 * (i + 1))), [], `at ${price}`);
  }
  const [halt] = riskEvents(trade(core, 88.99, T0 + 4_000));
  assert.ok(halt?.kind === "state", "a state change on the trade at 88.99");
  assert.equal(halt.state, "halted");
  assert.equal(halt.previous, "active");
  assert.equal(halt.rule, "max_drawdown");
  assert.equal(halt.time, T0 + 4_000);
  assert.equal(halt.values.peak, 1050);
  assert.ok(Math.abs(halt.values.equity - 944.95) < 1e-9, `equity ${halt.values.equity}`);
  assert.equal(halt.until, null);
  // Halted: no new orders, not even a reducing one; the position is kept.
  const refused = order(core, sell(1));
  assert.equal(refused.order.status, "rejected");
  assert.match(refused.order.reason ?? "", /max_drawdown/);
  assert.equal(riskEvents(refused.effects)[0]?.kind, "refused");
  assert.equal(core.view().position.quantity, 5);
  assert.equal(core.view().risk.state, "halted");
  // A force exit by the trader still closes it.
  const out: SessionEffect[] = [];
  core.closePosition(out);
  assert.equal(core.view().position.quantity, 0);
});

Deno.test("a halt with flatten_on_halt closes the position on the halting trade", () => {
  const core = session({ max_drawdown_percent: 10, flatten_on_halt: true });
  trade(core, 100, T0);
  order(core, buy(5));
  const effects = trade(core, 79, T0 + 1_000);
  const halt = riskEvents(effects)[0];
  assert.ok(halt?.kind === "state" && halt.flatten === true);
  const fills = effects.filter((e) => e.type === "fill");
  assert.equal(fills.length, 1, "the closing fill on the same trade");
  assert.equal(core.view().position.quantity, 0);
});

Deno.test("daily loss halts until the UTC day ends, then trading resumes", () => {
  const core = session({ daily_loss_percent: 5 });
  trade(core, 100, T0);
  order(core, buy(5));
  // The window's equity is 1000; a 5% loss is reached at price 90.
  assert.deepEqual(riskEvents(trade(core, 90.01, T0 + 1_000)), []);
  const [halt] = riskEvents(trade(core, 90, T0 + 2_000));
  assert.ok(halt?.kind === "state");
  assert.equal(halt.rule, "daily_loss");
  assert.equal(halt.until, Date.UTC(2026, 0, 2));
  assert.equal(halt.values.loss, 50);
  assert.equal(order(core, buy(1)).order.status, "rejected");
  // Still halted on the last trade of the day; active on the first of the next.
  assert.deepEqual(riskEvents(trade(core, 91, Date.UTC(2026, 0, 2) - 1)), []);
  const [resumed] = riskEvents(trade(core, 91, Date.UTC(2026, 0, 2)));
  assert.ok(resumed?.kind === "state");
  assert.equal(resumed.state, "active");
  assert.equal(resumed.rule, "daily_loss");
  assert.equal(order(core, buy(1)).order.status, "filled");
});

Deno.test("a configurable loss window ends the halt at the window's end", () => {
  const core = session({ daily_loss_percent: 5, loss_window_hours: 4 });
  trade(core, 100, T0);
  order(core, buy(5));
  const [halt] = riskEvents(trade(core, 89, T0 + 1_000));
  assert.ok(halt?.kind === "state");
  assert.equal(halt.until, Date.UTC(2026, 0, 1, 4));
});

Deno.test("max position notional and max gross exposure refuse orders that would exceed them", () => {
  const core = session({ max_position_notional: 600, max_gross_exposure: 1_000 });
  trade(core, 100, T0);
  assert.equal(order(core, buy(5)).order.status, "filled");
  const over = order(core, buy(2));
  assert.equal(over.order.status, "rejected");
  const [refusal] = riskEvents(over.effects);
  assert.ok(refusal?.kind === "refused");
  assert.equal(refusal.rule, "max_position_notional");
  assert.equal(refusal.values.notional, 700);
  assert.equal(refusal.values.limit, 600);
  assert.deepEqual(refusal.order, {
    symbol: SYMBOL,
    side: "buy",
    quantity: 2,
    price: 100,
    tag: "manual",
  });
  // A resting entry counts (valued at the last price): 5 held + 1 pending = 600 is allowed, more is not.
  assert.equal(order(core, buy(1, { type: "limit", price: 50 })).order.status, "new");
  assert.equal(order(core, buy(0.5, { type: "limit", price: 50 })).order.status, "rejected");
  // Reducing orders always pass.
  assert.equal(order(core, sell(3)).order.status, "filled");
  assert.equal(core.view().risk.state, "active", "refusals do not change the state");

  const gross = session({ max_gross_exposure: 550 });
  trade(gross, 100, T0);
  const refused = order(gross, buy(6));
  assert.equal(riskEvents(refused.effects)[0]?.rule, "max_gross_exposure");
  assert.equal(order(gross, buy(5)).order.status, "filled");
});

Deno.test("max orders per minute halts on the order one too many within 60 s", () => {
  const core = session({ max_orders_per_minute: 3 });
  const limit = (price: number) => buy(1, { type: "limit", price });
  for (let i = 0; i < 3; i++) {
    trade(core, 100, T0 + i * 10_000);
    assert.equal(order(core, limit(50)).order.status, "new");
  }
  // The first order left the window at T0 + 60 s: the 4th at T0 + 60 s is the 3rd in a minute.
  trade(core, 100, T0 + 60_000);
  assert.equal(order(core, limit(50)).order.status, "new");
  trade(core, 100, T0 + 65_000);
  const fifth = order(core, limit(50));
  assert.equal(fifth.order.status, "rejected");
  const events = riskEvents(fifth.effects);
  assert.deepEqual(events.map((e) => [e.kind, e.rule, e.state, e.time]), [
    ["state", "max_orders_per_minute", "halted", T0 + 65_000],
    ["refused", "max_orders_per_minute", "halted", T0 + 65_000],
  ]);
  assert.equal(events[0].values.orders, 4);
  // Halting cancels the resting entries.
  assert.equal(core.view().open_orders.length, 0);
});

Deno.test("consecutive losing round trips stop new entries for the cooldown", () => {
  const core = session({ max_consecutive_losses: 2, loss_cooldown_minutes: 10 });
  let t = T0;
  const roundTrip = (exit: number) => {
    trade(core, 100, t += 1_000);
    order(core, buy(1));
    return trade(core, exit, t += 1_000).concat(order(core, sell(1)).effects);
  };
  assert.deepEqual(riskEvents(roundTrip(99)), []);
  assert.deepEqual(riskEvents(roundTrip(101)), [], "a win resets the streak");
  assert.deepEqual(riskEvents(roundTrip(99)), []);
  const [reducing] = riskEvents(roundTrip(98));
  assert.ok(reducing?.kind === "state");
  assert.equal(reducing.state, "reducing");
  assert.equal(reducing.rule, "consecutive_losses");
  assert.equal(reducing.time, t, "on the round trip that made the streak");
  assert.equal(reducing.until, t + 600_000);
  assert.equal(reducing.values.losses, 2);
  const refused = order(core, buy(1));
  assert.equal(refused.order.status, "rejected");
  assert.match(refused.order.reason ?? "", /reduce/);
  const end = t + 600_000;
  assert.deepEqual(riskEvents(trade(core, 100, end - 1)), []);
  assert.equal(riskEvents(trade(core, 100, end))[0]?.state, "active");
  assert.equal(order(core, buy(1)).order.status, "filled");
});

Deno.test("stop-outs within the window stop new entries; exits stay allowed", () => {
  const core = session({ max_stop_outs: 2, stop_out_window_minutes: 30 });
  let t = T0;
  const stoppedOut = () => {
    trade(core, 100, t += 1_000);
    order(core, buy(1, { bracket: { stop_loss: 95 } }));
    return trade(core, 94, t += 1_000);
  };
  assert.deepEqual(riskEvents(stoppedOut()), []);
  const effects = stoppedOut();
  const [reducing] = riskEvents(effects);
  assert.ok(reducing?.kind === "state", "reducing on the trade that hit the second stop");
  assert.equal(reducing.rule, "stop_outs");
  assert.equal(reducing.time, t);
  assert.equal(reducing.values.stop_outs, 2);
  assert.ok(effects.some((e) => e.type === "fill" && e.fill.tag === "manual.stop_loss"));
  assert.equal(order(core, buy(1)).order.status, "rejected");
});

Deno.test("stop-outs further apart than the window do not add up", () => {
  const core = session({ max_stop_outs: 2, stop_out_window_minutes: 1 });
  let t = T0;
  for (let i = 0; i < 3; i++) {
    trade(core, 100, t += 61_000);
    order(core, buy(1, { bracket: { stop_loss: 95 } }));
    assert.deepEqual(riskEvents(trade(core, 94, t += 1_000)), []);
  }
});

Deno.test("the trading state and its counters survive a snapshot round trip", () => {
  const core = session({ max_drawdown_percent: 10, max_consecutive_losses: 3 });
  trade(core, 100, T0);
  order(core, buy(5));
  trade(core, 79, T0 + 1_000);
  assert.equal(core.view().risk.state, "halted");
  const snapshot = JSON.parse(JSON.stringify(core.snapshot()));
  const restored = new SessionCore({
    symbol: SYMBOL,
    strategy: quietStrategy({ max_drawdown_percent: 10 }),
    execution: resolveExecutionConfig({ initial_cash: 1_000 }),
  }, snapshot);
  assert.deepEqual(restored.view().risk, core.view().risk);
  assert.equal(order(restored, buy(1)).order.status, "rejected");
});

Deno.test("an operator or the kill switch sets the state; the kill switch lifts only its own halt", () => {
  const core = session({});
  trade(core, 100, T0);
  order(core, buy(5));
  const out: SessionEffect[] = [];
  assert.equal(core.setTradingState("halted", "kill_switch", out, { flatten: true }), true);
  assert.equal(core.view().position.quantity, 0, "flattened");
  const [halt] = riskEvents(out);
  assert.ok(halt?.kind === "state" && halt.rule === "kill_switch" && halt.flatten === true);
  assert.equal(core.setTradingState("active", "kill_switch", [], { only: "kill_switch" }), true);
  assert.equal(core.view().risk.state, "active");
  core.setTradingState("reducing", "manual", []);
  assert.equal(core.setTradingState("active", "kill_switch", [], { only: "kill_switch" }), false);
  assert.equal(core.view().risk.state, "reducing");
});

Deno.test("a lower order-rate limit set while running counts the orders already placed", () => {
  const core = session({ max_orders_per_minute: 5 });
  const limit = buy(1, { type: "limit", price: 50 });
  for (let i = 0; i < 4; i++) {
    trade(core, 100, T0 + i * 1_000);
    assert.equal(order(core, limit).order.status, "new");
  }
  core.setRiskLimits({ max_orders_per_minute: 2 });
  trade(core, 100, T0 + 10_000);
  const refused = order(core, limit);
  assert.equal(refused.order.status, "rejected");
  assert.equal(riskEvents(refused.effects)[0]?.rule, "max_orders_per_minute");
});
