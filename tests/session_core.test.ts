import assert from "node:assert/strict";
import { SessionCore, type SessionEffect } from "../engine/core/session/mod.ts";
import { resolveExecutionConfig } from "../engine/core/execution/mod.ts";
import { parseStrategy } from "../engine/core/strategy/mod.ts";
import { computeMetrics } from "../engine/core/metrics/mod.ts";
import { waveTrades } from "./support/trades.ts";

const source = await Deno.readTextFile(
  new URL("../strategies/ema_cross_fast.yaml", import.meta.url),
);
const parsed = parseStrategy(source);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
const setup = {
  symbol: "BTCUSDT",
  strategy: parsed.strategy,
  execution: resolveExecutionConfig({ initial_cash: 10_000 }),
};

function run(core: SessionCore, trades: ReturnType<typeof waveTrades>): SessionEffect[] {
  const out: SessionEffect[] = [];
  for (const trade of trades) core.step(trade, out);
  return out;
}

Deno.test("session core turns crossings into orders, fills and closed trades that reconcile", () => {
  const core = new SessionCore(setup);
  const effects = run(core, waveTrades({ count: 20_000 }));
  const fills = effects.filter((e) => e.type === "fill");
  const closed = effects.filter((e) => e.type === "trade_closed");
  const signals = effects.filter((e) => e.type === "signal");
  assert.ok(signals.length > 10, `signals: ${signals.length}`);
  assert.ok(fills.length > 10, `fills: ${fills.length}`);
  assert.ok(closed.length > 5, `closed trades: ${closed.length}`);
  assert.ok(effects.some((e) => e.type === "equity"), "equity is sampled");

  const view = core.view();
  const fees = fills.reduce((sum, e) => sum + (e.type === "fill" ? e.fill.fee : 0), 0);
  const pnl = closed.reduce((sum, e) => sum + (e.type === "trade_closed" ? e.trade.pnl : 0), 0);
  if (view.position.quantity === 0) {
    // Closed-trade P&L is net of fees: initial + Σ pnl = cash when flat.
    assert.ok(
      Math.abs(10_000 + pnl - view.cash) < 1e-6 * 10_000,
      `${10_000 + pnl} vs ${view.cash}`,
    );
  }
  const value = view.position.quantity * view.position.mark_price;
  assert.ok(Math.abs(view.cash + value - view.equity) <= 1e-9 * view.equity);
  assert.ok(fees > 0);
  assert.equal(view.metrics.trade_count, closed.length);
  assert.equal(view.metrics.fill_count, fills.length);
});

Deno.test("session core restored from a snapshot continues exactly like the original", () => {
  const trades = waveTrades({ count: 12_000, seed: 7 });
  const original = new SessionCore(setup);
  run(original, trades.slice(0, 6_000));
  original.closeCandles(trades[6_000].time, []);
  const snapshot = JSON.parse(JSON.stringify(original.snapshot()));
  const restored = new SessionCore(setup, snapshot);
  // Indicators are not part of the snapshot: warm the restored one on the same candles.
  restored.warm(original.candles("1s"));
  const a = run(original, trades.slice(6_000));
  const b = run(restored, trades.slice(6_000));
  const fills = a.filter((e) => e.type === "fill");
  assert.ok(fills.length > 5, `fills after the snapshot: ${fills.length}`);
  assert.deepEqual(b.filter((e) => e.type === "fill"), fills);
  assert.deepEqual(restored.view().cash, original.view().cash);
});

Deno.test("a paused session records signals without acting on them", () => {
  const core = new SessionCore(setup);
  core.pause();
  const effects = run(core, waveTrades({ count: 5_000 }));
  const signals = effects.filter((e) => e.type === "signal");
  assert.ok(signals.length > 0);
  assert.ok(signals.every((e) => e.type === "signal" && e.action === "ignored"));
  assert.equal(effects.filter((e) => e.type === "fill").length, 0);
  core.resume();
  const later = run(core, waveTrades({ count: 5_000, start: 1_700_000_000_000 + 500_000 }));
  assert.ok(later.some((e) => e.type === "fill"), "resumed session trades again");
});

Deno.test("an all-in sizing rule buys what free cash can pay for instead of being rejected", () => {
  const allIn = parseStrategy(source.replace("value: 50", "value: 100"));
  if (!allIn.ok) throw new Error(JSON.stringify(allIn.errors));
  const core = new SessionCore({ ...setup, strategy: allIn.strategy });
  const effects = run(core, waveTrades({ count: 5_000 }));
  const entries = effects.filter((e) => e.type === "signal" && e.signal.kind === "entry");
  assert.ok(entries.length > 0);
  assert.ok(entries.every((e) => e.type === "signal" && e.action === "acted"), "no entry rejected");
  const first = effects.find((e) => e.type === "fill");
  assert.ok(first?.type === "fill" && first.fill.price * first.fill.quantity > 9_800);
  assert.ok(core.view().free_cash >= 0);
});

Deno.test("pyramiding keeps adding entries while a stop-loss and take-profit protect the position", () => {
  const pyramid = parseStrategy(`
version: 1
name: pyramid
timeframe: 1s
entry:
  long: { gt: [close, 0] }
risk: { max_open_positions: 3, stop_loss: { percent: 50 }, take_profit: { percent: 50 } }
sizing: { type: percent_of_equity, value: 10 }
`);
  if (!pyramid.ok) throw new Error(JSON.stringify(pyramid.errors));
  const core = new SessionCore({ ...setup, strategy: pyramid.strategy });
  const effects = run(core, waveTrades({ count: 200 }));
  const entryFills = effects.filter((e) => e.type === "fill" && e.fill.tag === "entry.long");
  assert.equal(entryFills.length, 3, "three stacked entries");
  const protective = core.view().open_orders.filter((o) => o.tag === "entry.long.stop_loss");
  assert.equal(protective.length, 3, "each entry has its own stop-loss");
  const ignored = effects.filter((e) => e.type === "signal" && e.action === "ignored");
  assert.ok(
    ignored.every((e) => e.type === "signal" && e.note !== "an entry order is still open"),
    "no entry is ignored because of a protective order",
  );
});

Deno.test("a filled stop-loss does not place a trailing stop as if it were an entry", () => {
  const trailing = parseStrategy(`
version: 1
name: trail
timeframe: 1s
entry:
  long: { gt: [close, 0] }
risk: { stop_loss: { percent: 1 }, trailing_stop: { percent: 50 } }
sizing: { type: percent_of_equity, value: 10 }
`);
  if (!trailing.ok) throw new Error(JSON.stringify(trailing.errors));
  const core = new SessionCore({ ...setup, strategy: trailing.strategy });
  const effects = run(core, waveTrades({ count: 3_000 }));
  const stopFill = effects.findIndex((e) =>
    e.type === "fill" && e.fill.tag === "entry.long.stop_loss"
  );
  assert.ok(stopFill >= 0, "the stop-loss filled");
  const trails = new Set(
    effects.flatMap((e) =>
      e.type === "order" && e.order.type === "trailing_stop" ? [e.order.id] : []
    ),
  ).size;
  const entries = effects.filter((e) => e.type === "fill" && e.fill.tag === "entry.long").length;
  assert.equal(trails, entries, "one trailing stop per entry fill, none per exit fill");
});

Deno.test("equity is recorded at every fill from the first seconds, and the points are not returns", () => {
  const core = new SessionCore(setup);
  const effects = run(core, waveTrades({ count: 20_000 }));
  const fills = effects.filter((e) => e.type === "fill");
  const equity = effects.flatMap((e) => e.type === "equity" ? [e] : []);
  const first = fills[0];
  assert.ok(
    first.type === "fill" && first.time - 1_700_000_000_000 < 60_000,
    "a fill in minute one",
  );
  for (const fill of fills) {
    assert.ok(equity.some((e) => e.time === fill.time && e.periods === 0), `point at ${fill.time}`);
  }
  const times = equity.map((e) => e.time);
  assert.deepEqual(times, [...times].sort((a, b) => a - b), "points and samples in time order");
  const view = core.view();
  const recomputed = computeMetrics(
    equity,
    effects.flatMap((e) => e.type === "trade_closed" ? [e.trade] : []),
    fills.flatMap((e) => e.type === "fill" ? [e.fill] : []),
    { initial_equity: 10_000, final_equity: view.metrics.equity },
  );
  // Only the live exposure also counts the time since the last sample (docs/execution.md).
  assert.deepEqual({ ...recomputed, exposure: view.metrics.exposure }, view.metrics);
});

Deno.test("closing a position flattens it at market and cancels its protective orders", () => {
  const protectedEntry = parseStrategy(`
version: 1
name: protected
timeframe: 1s
entry:
  long: { gt: [close, 0] }
risk: { stop_loss: { percent: 50 }, take_profit: { percent: 50 } }
sizing: { type: percent_of_equity, value: 10 }
`);
  if (!protectedEntry.ok) throw new Error(JSON.stringify(protectedEntry.errors));
  const core = new SessionCore({ ...setup, strategy: protectedEntry.strategy });
  run(core, waveTrades({ count: 50 }));
  const held = core.view().position.quantity;
  assert.ok(held > 0, "a long position is open");
  assert.equal(core.view().open_orders.length, 2, "stop-loss and take-profit rest");
  const out: SessionEffect[] = [];
  core.closePosition(out);
  const view = core.view();
  assert.equal(view.position.quantity, 0);
  assert.deepEqual(view.open_orders, []);
  const close = out.find((e) => e.type === "fill" && e.fill.tag === "close");
  assert.ok(close?.type === "fill" && close.fill.side === "sell" && close.fill.quantity === held);
  assert.ok(out.some((e) => e.type === "trade_closed"), "the round trip is closed");
  const again: SessionEffect[] = [];
  core.closePosition(again);
  assert.equal(again.filter((e) => e.type === "fill").length, 0, "nothing to close when flat");
});

Deno.test("manual orders go through the same execution path, tagged manual, and cancel one by one", () => {
  const core = new SessionCore(setup);
  run(core, waveTrades({ count: 20 }));
  const last = core.view().last_price!;
  const out: SessionEffect[] = [];
  const bought = core.placeOrder({ side: "buy", type: "market", notional: 1_000 }, out);
  assert.equal(bought.status, "filled");
  const fill = out.find((e) => e.type === "fill");
  assert.ok(fill?.type === "fill" && fill.fill.tag === "manual");
  assert.ok(fill.fill.fee > 0, "fees apply as for strategy orders");
  assert.ok(Math.abs(fill.fill.quantity * last - 1_000) < 1, `${fill.fill.quantity} @ ${last}`);
  const resting = core.placeOrder(
    { side: "buy", type: "limit", quantity: 1, price: last * 0.5, bracket: { stop_loss: 1 } },
    out,
  );
  assert.equal(resting.status, "new");
  assert.equal(resting.tag, "manual");
  const tooBig = core.placeOrder({ side: "buy", type: "market", quantity: 1e9 }, out);
  assert.equal(tooBig.status, "rejected");
  assert.match(tooBig.reason ?? "", /insufficient|funds/i);
  assert.equal(core.cancelOrder(resting.id, out), true);
  assert.deepEqual(core.view().open_orders, []);
  assert.equal(core.cancelOrder(resting.id, out), false, "already cancelled");
  assert.equal(core.view().metrics.fill_count, 1);
});

Deno.test("a manual bracket on the wrong side of its entry is rejected before anything is placed", () => {
  const core = new SessionCore(setup);
  run(core, waveTrades({ count: 20 }));
  const last = core.view().last_price!;
  const cases = [
    [{ side: "buy", bracket: { stop_loss: last * 1.2, take_profit: 10 } }, [
      `bracket stop_loss ${last * 1.2} must be below the entry price ${last}`,
      `bracket take_profit 10 must be above the entry price ${last} of a buy`,
    ]],
    [{ side: "sell", bracket: { stop_loss: last * 0.9 } }, [
      `bracket stop_loss ${last * 0.9} must be above the entry price ${last} of a sell`,
    ]],
    [{ side: "buy", type: "limit", price: 100, bracket: { take_profit: 99 } }, [
      "bracket take_profit 99 must be above the entry price 100 of a buy",
    ]],
  ] as const;
  for (const [order, reasons] of cases) {
    const out: SessionEffect[] = [];
    const placed = core.placeOrder({ type: "market", quantity: 0.01, ...order }, out);
    assert.equal(placed.status, "rejected", JSON.stringify(order));
    assert.equal(placed.reason, reasons.join("; "));
    assert.equal(out.filter((e) => e.type === "fill").length, 0, "nothing filled");
  }
  assert.deepEqual(core.view().open_orders, [], "no order rests");
  assert.equal(core.view().position.quantity, 0);
  const out: SessionEffect[] = [];
  const protectedBuy = core.placeOrder({
    side: "buy",
    type: "market",
    notional: 1_000,
    bracket: { stop_loss: last * 0.9, take_profit: last * 1.1 },
  }, out);
  assert.equal(protectedBuy.status, "filled", protectedBuy.reason);
  assert.equal(core.view().open_orders.length, 2, "its stop-loss and take-profit rest");
});

Deno.test("contradicting entry rules are counted as conflicts, so an idle session says why", () => {
  const both = parseStrategy(`
version: 1
name: both-ways
timeframe: 1s
entry:
  long: { gt: [close, 0] }
  short: { gt: [close, 0] }
sizing: { type: percent_of_equity, value: 10 }
`);
  if (!both.ok) throw new Error(JSON.stringify(both.errors));
  const core = new SessionCore({
    ...setup,
    strategy: both.strategy,
    execution: resolveExecutionConfig({ initial_cash: 10_000, allow_short: true }),
  });
  core.warm(
    waveTrades({ count: 50 }).map((t, i) => ({
      type: "candle" as const,
      symbol: "BTCUSDT",
      timeframe: "1s" as const,
      openTime: t.time - 1_000_000 + i * 1_000,
      closeTime: t.time - 1_000_000 + i * 1_000 + 999,
      open: t.price,
      high: t.price,
      low: t.price,
      close: t.price,
      volume: 1,
      closed: true,
    })),
  );
  assert.equal(core.view().conflicts, 0, "warm-up history is not counted");
  const effects = run(core, waveTrades({ count: 100 }));
  assert.equal(effects.filter((e) => e.type === "order").length, 0);
  assert.ok(core.view().conflicts >= 5, `conflicts: ${core.view().conflicts}`);
});

Deno.test("stop-loss, take-profit and trailing exits appear in the signal history with their reason", () => {
  for (
    const [risk, kind, words] of [
      ["{ stop_loss: { percent: 0.5 } }", "entry.long.stop_loss", "stop loss at"],
      ["{ take_profit: { percent: 0.5 } }", "entry.long.take_profit", "take profit at"],
      ["{ trailing_stop: { percent: 0.5 } }", "risk.trailing_stop", "trailing stop at"],
    ] as const
  ) {
    const strategy = parseStrategy(`
version: 1
name: protected
timeframe: 1s
entry:
  long: { gt: [close, 0] }
risk: ${risk}
sizing: { type: percent_of_equity, value: 10 }
`);
    if (!strategy.ok) throw new Error(JSON.stringify(strategy.errors));
    const core = new SessionCore({ ...setup, strategy: strategy.strategy });
    const effects = run(core, waveTrades({ count: 5_000 }));
    const exits = effects.flatMap((e) =>
      e.type === "order" && e.order.tag === kind && e.order.status === "filled" ? [e.order] : []
    );
    assert.ok(exits.length > 0, `a ${kind} exit filled`);
    const signals = effects.flatMap((e) =>
      e.type === "signal" && e.signal.rule === kind ? [e] : []
    );
    assert.equal(signals.length, exits.length, `one signal per ${kind} exit`);
    for (const [i, signal] of signals.entries()) {
      assert.equal(signal.action, "acted");
      assert.equal(signal.signal.kind, "exit");
      assert.equal(signal.signal.side, "long");
      assert.equal(signal.time, exits[i].updated_at);
      assert.match(signal.signal.reason, new RegExp(`^${words} [\\d.]+ reached: sold `));
    }
  }
});

Deno.test("the equity curve starts at the session's first trade, with the initial capital", () => {
  const core = new SessionCore(setup);
  const trades = waveTrades({ count: 100 });
  const effects = run(core, trades);
  const first = effects.find((e) => e.type === "equity");
  assert.deepEqual(first, {
    type: "equity",
    time: trades[0].time,
    equity: 10_000,
    exposed: false,
    periods: 0,
    exposed_ms: 0,
  });
  const restored = new SessionCore(setup, JSON.parse(JSON.stringify(core.snapshot())));
  const later = run(restored, waveTrades({ count: 10, start: trades[99].time + 1 }));
  const fillTimes = new Set(later.flatMap((e) => e.type === "fill" ? [e.time] : []));
  assert.ok(
    later.every((e) => e.type !== "equity" || e.periods !== 0 || fillTimes.has(e.time)),
    "a restored session does not start its curve again (its points are at fills only)",
  );
});
