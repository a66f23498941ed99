import assert from "node:assert/strict";
import {
  cancelOrder,
  type ExecEvent,
  freeCash,
  openOrders,
  position,
  submitOrder,
} from "../engine/core/execution/mod.ts";
import { account, fills, near, orderEvents, quote, SYMBOL, trade } from "./_execution_helpers.ts";

const S = SYMBOL;

Deno.test("market buy then sell: 10 bps slippage, taker fees, round trip", () => {
  const acc = account();
  trade(acc, 100, 1000);
  const out: ExecEvent[] = [];
  const buy = submitOrder(acc, { symbol: S, side: "buy", type: "market", quantity: 2 }, 1000, out);
  assert.equal(buy.status, "filled");
  const [f1] = fills(out);
  assert.equal(f1.price, 100.1);
  assert.equal(f1.liquidity, "taker");
  near(f1.fee, 0.2002, "buy fee");
  near(f1.slippage, 0.2, "buy slippage");
  near(acc.cash, 10000 - 200.2 - 0.2002, "cash after buy");
  trade(acc, 110, 2000);
  near(position(acc, S).unrealized_pnl, 2 * (110 - 100.1), "unrealized");
  const out2: ExecEvent[] = [];
  submitOrder(
    acc,
    { symbol: S, side: "sell", type: "market", quantity: 2, tag: "exit" },
    2000,
    out2,
  );
  const [f2] = fills(out2);
  assert.equal(f2.price, 109.89);
  assert.equal(f2.tag, "exit");
  near(f2.fee, 0.21978, "sell fee");
  near(acc.cash, 10019.16002, "cash after round trip");
  const closed = out2.find((e) => e.type === "trade_closed");
  assert.ok(closed?.type === "trade_closed");
  assert.deepEqual({ ...closed.trade, pnl: 0 }, {
    id: "t1",
    symbol: S,
    side: "long",
    entry_time: 1000,
    exit_time: 2000,
    entry_price: 100.1,
    exit_price: 109.89,
    quantity: 2,
    pnl: 0,
    fees: closed.trade.fees,
  });
  near(closed.trade.pnl, 19.58 - 0.2002 - 0.21978, "trade pnl");
  near(position(acc, S).realized_pnl, 19.58, "realized");
  assert.equal(position(acc, S).quantity, 0);
  assert.deepEqual(out2.map((e) => e.type), ["order", "fill", "trade_closed", "order"]);
});

Deno.test("market order uses a fresh quote, the last trade when the quote is stale", () => {
  const acc = account();
  trade(acc, 100, 1000);
  quote(acc, 99.9, 100.2, 1000);
  const out: ExecEvent[] = [];
  submitOrder(acc, { symbol: S, side: "buy", type: "market", quantity: 1 }, 1500, out);
  assert.equal(fills(out)[0].price, 100.31); // 100.2 * 1.001 = 100.3002, rounded up to tick
  const stale: ExecEvent[] = [];
  submitOrder(acc, { symbol: S, side: "buy", type: "market", quantity: 1 }, 7000, stale);
  assert.equal(fills(stale)[0].price, 100.1);
});

Deno.test("sqrt slippage: coefficient · sqrt(qty / volume reference), capped", () => {
  const acc = account({ slippage: { model: "sqrt", coefficient: 20, cap_bps: 50 } });
  trade(acc, 100, 1000, 4); // volume reference 4
  const out: ExecEvent[] = [];
  submitOrder(acc, { symbol: S, side: "buy", type: "market", quantity: 1 }, 1000, out);
  assert.equal(fills(out)[0].price, 100.1); // 20 * sqrt(1/4) = 10 bps
  const big: ExecEvent[] = [];
  submitOrder(acc, { symbol: S, side: "buy", type: "market", quantity: 25 }, 1000, big);
  assert.equal(fills(big)[0].price, 100.5); // 20 * sqrt(25/4) = 50 bps = cap
});

Deno.test("market order before any price is rejected", () => {
  const acc = account();
  const out: ExecEvent[] = [];
  const o = submitOrder(acc, { symbol: S, side: "buy", type: "market", quantity: 1 }, 0, out);
  assert.equal(o.status, "rejected");
  assert.equal(o.reason, "no market price");
  assert.equal(orderEvents(out).length, 1);
});

Deno.test("limit fills only on trade-through by default, at the limit, as maker", () => {
  const acc = account();
  trade(acc, 100, 1000);
  const out: ExecEvent[] = [];
  const o = submitOrder(
    acc,
    { symbol: S, side: "buy", type: "limit", quantity: 1, price: 99 },
    1000,
    out,
  );
  assert.equal(o.status, "new");
  near(acc.reserved, 99 * 1.001, "reserved");
  assert.equal(fills(trade(acc, 99, 2000)).length, 0);
  const [f] = fills(trade(acc, 98.99, 3000));
  assert.equal(f.price, 99);
  assert.equal(f.liquidity, "maker");
  assert.equal(f.slippage, 0);
  near(f.fee, 0.099, "maker fee");
  assert.equal(acc.reserved, 0);
  assert.equal(openOrders(acc).length, 0);
});

Deno.test("touch queue rule fills at the limit price", () => {
  const acc = account({ queue: "touch" });
  trade(acc, 100, 1000);
  submitOrder(acc, { symbol: S, side: "buy", type: "limit", quantity: 1, price: 99 }, 1000, []);
  const [f] = fills(trade(acc, 99, 2000));
  assert.equal(f.price, 99);
});

Deno.test("partial fills bounded by max_volume_share of each trade", () => {
  const acc = account({ max_volume_share: 0.5 });
  trade(acc, 100, 1000);
  submitOrder(acc, { symbol: S, side: "buy", type: "limit", quantity: 3, price: 99 }, 1000, []);
  const first = trade(acc, 98.5, 2000, 2);
  assert.equal(fills(first)[0].quantity, 1);
  assert.equal(orderEvents(first)[0].status, "partially_filled");
  near(acc.reserved, 2 * 99 * 1.001, "reservation left for 2");
  const second = trade(acc, 98, 3000, 10);
  assert.equal(fills(second)[0].quantity, 2);
  assert.equal(orderEvents(second)[0].status, "filled");
  assert.equal(orderEvents(second)[0].filled_qty, 3);
  assert.equal(position(acc, S).quantity, 3);
});

Deno.test("marketable limit fills as taker at the ask; post-only is rejected; IOC expires", () => {
  const acc = account();
  trade(acc, 100, 1000);
  quote(acc, 100, 100.2, 1000);
  const out: ExecEvent[] = [];
  submitOrder(acc, { symbol: S, side: "buy", type: "limit", quantity: 1, price: 101 }, 1000, out);
  const [f] = fills(out);
  assert.deepEqual([f.price, f.liquidity], [100.2, "taker"]);
  const post = submitOrder(
    acc,
    {
      symbol: S,
      side: "buy",
      type: "limit",
      quantity: 1,
      price: 100.5,
      post_only: true,
    },
    1000,
    [],
  );
  assert.equal(post.status, "rejected");
  assert.match(post.reason!, /^post_only/);
  const ioc: ExecEvent[] = [];
  const o = submitOrder(
    acc,
    {
      symbol: S,
      side: "buy",
      type: "limit",
      quantity: 1,
      price: 99,
      time_in_force: "IOC",
    },
    1000,
    ioc,
  );
  assert.equal(o.status, "expired");
  assert.deepEqual(orderEvents(ioc).map((x) => x.status), ["new", "expired"]);
  assert.equal(acc.reserved, 0);
});

Deno.test("buy stop triggers on a trade at or above the stop, fills as market", () => {
  const acc = account();
  trade(acc, 100, 1000);
  submitOrder(
    acc,
    { symbol: S, side: "buy", type: "stop_market", quantity: 1, stop_price: 105 },
    1000,
    [],
  );
  assert.equal(fills(trade(acc, 104, 2000)).length, 0);
  const [f] = fills(trade(acc, 105.5, 3000));
  assert.equal(f.price, 105.61); // 105.5 * 1.001 = 105.6055 → up to tick
  near(f.slippage, 0.11, "slippage vs trigger trade");
});

Deno.test("stop-limit: triggered limit rests, fills as maker on trade-through", () => {
  const acc = account();
  trade(acc, 100, 1000);
  submitOrder(acc, { symbol: S, side: "buy", type: "market", quantity: 1 }, 1000, []);
  submitOrder(
    acc,
    {
      symbol: S,
      side: "sell",
      type: "stop_limit",
      quantity: 1,
      stop_price: 95,
      price: 94.5,
    },
    1000,
    [],
  );
  const trig = trade(acc, 94, 2000);
  assert.equal(fills(trig).length, 0);
  assert.equal(orderEvents(trig)[0].triggered, true);
  assert.equal(fills(trade(acc, 94.5, 3000)).length, 0);
  const [f] = fills(trade(acc, 94.6, 4000));
  assert.deepEqual([f.price, f.liquidity], [94.5, "maker"]);
});

Deno.test("take profit triggers in the profit direction and fills as market", () => {
  const acc = account();
  trade(acc, 100, 1000);
  submitOrder(acc, { symbol: S, side: "buy", type: "market", quantity: 1 }, 1000, []);
  submitOrder(
    acc,
    { symbol: S, side: "sell", type: "take_profit", quantity: 1, stop_price: 110 },
    1000,
    [],
  );
  assert.equal(fills(trade(acc, 90, 2000)).length, 0);
  const [f] = fills(trade(acc, 110, 3000));
  assert.equal(f.price, 109.89);
});

Deno.test("trailing stop tracks the best price since activation", () => {
  const acc = account();
  trade(acc, 100, 1000);
  submitOrder(acc, { symbol: S, side: "buy", type: "market", quantity: 1 }, 1000, []);
  const o = submitOrder(
    acc,
    {
      symbol: S,
      side: "sell",
      type: "trailing_stop",
      quantity: 1,
      trail_percent: 5,
    },
    1000,
    [],
  );
  assert.equal(o.stop_price, 95);
  trade(acc, 110, 2000);
  assert.equal(openOrders(acc)[0].stop_price, 104.5);
  assert.equal(fills(trade(acc, 105, 3000)).length, 0);
  const [f] = fills(trade(acc, 104.4, 4000));
  assert.equal(f.price, 104.29); // 104.4 * 0.999 = 104.2956 → down to tick
  const amount = submitOrder(
    acc,
    {
      symbol: S,
      side: "buy",
      type: "trailing_stop",
      quantity: 0.1,
      trail_amount: 2,
    },
    4000,
    [],
  );
  assert.equal(amount.stop_price, 106.4);
});

Deno.test("bracket: children placed on entry fill, take-profit cancels stop-loss", () => {
  const acc = account();
  trade(acc, 100, 1000);
  const out: ExecEvent[] = [];
  const entry = submitOrder(
    acc,
    {
      symbol: S,
      side: "buy",
      type: "market",
      quantity: 1,
      bracket: { stop_loss: 95, take_profit: 110 },
      tag: "entry.long",
    },
    1000,
    out,
  );
  const children = openOrders(acc);
  assert.equal(children.length, 2);
  assert.deepEqual(children.map((c) => [c.type, c.side, c.tag, c.parent_id, c.reduce_only]), [
    ["stop_market", "sell", "entry.long.stop_loss", entry.id, true],
    ["limit", "sell", "entry.long.take_profit", entry.id, true],
  ]);
  assert.equal(children[0].oco_id, children[1].oco_id);
  const events = trade(acc, 110.5, 2000);
  const [f] = fills(events);
  assert.deepEqual([f.price, f.liquidity, f.tag], [110, "maker", "entry.long.take_profit"]);
  const cancelled = orderEvents(events).find((o) => o.status === "cancelled");
  assert.equal(cancelled?.type, "stop_market");
  assert.equal(openOrders(acc).length, 0);
  assert.equal(position(acc, S).quantity, 0);
});

Deno.test("latency: an order is live only for trades at or after submission + latency", () => {
  const acc = account({ latency_ms: 100 });
  trade(acc, 100, 1000);
  const out: ExecEvent[] = [];
  const o = submitOrder(acc, { symbol: S, side: "buy", type: "market", quantity: 1 }, 1000, out);
  assert.equal(o.status, "new");
  assert.equal(fills(trade(acc, 101, 1050)).length, 0);
  const [f] = fills(trade(acc, 102, 1100));
  assert.equal(f.price, 102.11); // 102 * 1.001 = 102.102 → up to tick
  assert.equal(f.time, 1100);
});

Deno.test("a market order is valued at the market, whatever price it carries", () => {
  const acc = account();
  trade(acc, 100, 1000);
  const inflated = submitOrder(
    acc,
    { symbol: S, side: "buy", type: "market", quantity: 0.01, price: 1_000_000 },
    1000,
    [],
  );
  assert.equal(inflated.reason, "notional 1.001 below min notional 5");
  const triggered = submitOrder(
    acc,
    { symbol: S, side: "buy", type: "market", quantity: 0.01, stop_price: 1_000_000 },
    1000,
    [],
  );
  assert.equal(triggered.reason, "notional 1.001 below min notional 5");
  const deflated = submitOrder(
    acc,
    { symbol: S, side: "buy", type: "market", quantity: 0.1, price: 1 },
    1000,
    [],
  );
  assert.equal(deflated.status, "filled", deflated.reason);
});

Deno.test("a stop price that rounds to 0 is refused like a limit price", () => {
  const acc = account();
  trade(acc, 100, 1000);
  const stop = submitOrder(
    acc,
    { symbol: S, side: "buy", type: "stop_market", quantity: 0.1, stop_price: 1e-300 },
    1000,
    [],
  );
  assert.equal(stop.status, "rejected");
  assert.equal(stop.reason, "stop_price rounds to 0 at tick size 0.01");
  assert.deepEqual(openOrders(acc), []);
});

Deno.test("step rounding and min notional", () => {
  const acc = account();
  trade(acc, 100, 1000);
  const tiny = submitOrder(
    acc,
    { symbol: S, side: "buy", type: "market", quantity: 0.0004 },
    1000,
    [],
  );
  assert.equal(tiny.status, "rejected");
  assert.equal(tiny.reason, "quantity 0.0004 rounds to 0 at step size 0.001");
  const small = submitOrder(
    acc,
    { symbol: S, side: "buy", type: "limit", quantity: 0.01, price: 99 },
    1000,
    [],
  );
  assert.equal(small.reason, "notional 0.99 below min notional 5");
  const rounded = submitOrder(
    acc,
    {
      symbol: S,
      side: "buy",
      type: "limit",
      quantity: 1.2345,
      price: 99.999,
    },
    1000,
    [],
  );
  assert.deepEqual([rounded.quantity, rounded.price], [1.234, 99.99]);
  const sell = submitOrder(
    acc,
    {
      symbol: S,
      side: "buy",
      type: "limit",
      quantity: 0.3,
      price: 0.1 + 0.2 + 98,
    },
    1000,
    [],
  );
  assert.deepEqual([sell.quantity, sell.price], [0.3, 98.3]);
});

Deno.test("insufficient funds and disallowed shorts are rejected order events", () => {
  const acc = account();
  trade(acc, 100, 1000);
  const big = submitOrder(acc, { symbol: S, side: "buy", type: "market", quantity: 200 }, 1000, []);
  assert.equal(big.status, "rejected");
  assert.equal(big.reason, "insufficient funds: need 20040.02, free 10000");
  const short = submitOrder(
    acc,
    { symbol: S, side: "sell", type: "market", quantity: 1 },
    1000,
    [],
  );
  assert.equal(short.reason, "short selling disabled: sell 1 exceeds long position 0");
});

Deno.test("shorts lock proceeds plus 100% margin; flip closes and opens round trips", () => {
  const acc = account({ allow_short: true });
  trade(acc, 100, 1000);
  submitOrder(acc, { symbol: S, side: "sell", type: "market", quantity: 1 }, 1000, []);
  assert.equal(position(acc, S).quantity, -1);
  near(acc.cash, 10000 + 99.9 - 0.0999, "cash after short");
  near(freeCash(acc), 10000 - 99.9 - 0.0999, "free after short");
  trade(acc, 90, 2000);
  const out: ExecEvent[] = [];
  submitOrder(acc, { symbol: S, side: "buy", type: "market", quantity: 2 }, 2000, out);
  const closed = out.flatMap((e) => e.type === "trade_closed" ? [e.trade] : []);
  assert.equal(closed.length, 1);
  assert.equal(closed[0].side, "short");
  const fee = 2 * 90.09 * 0.001;
  near(closed[0].pnl, 99.9 - 90.09 - 0.0999 - fee / 2, "short pnl");
  const p = position(acc, S);
  assert.deepEqual([p.quantity, p.avg_price], [1, 90.09]);
});

Deno.test("cancel releases the reservation", () => {
  const acc = account();
  trade(acc, 100, 1000);
  const o = submitOrder(
    acc,
    { symbol: S, side: "buy", type: "limit", quantity: 1, price: 99 },
    1000,
    [],
  );
  near(freeCash(acc), 10000 - 99.099, "free while open");
  const out: ExecEvent[] = [];
  assert.equal(cancelOrder(acc, o.id, 1500, out), true);
  assert.equal(orderEvents(out)[0].status, "cancelled");
  assert.equal(acc.reserved, 0);
  assert.equal(freeCash(acc), 10000);
  assert.equal(cancelOrder(acc, o.id, 1500, []), false);
});

Deno.test("a short is liquidated when covering would cost its whole lock", () => {
  const acc = account({ allow_short: true });
  trade(acc, 100, 1000);
  submitOrder(acc, { symbol: S, side: "sell", type: "market", quantity: 1 }, 1000, []);
  assert.equal(fills(trade(acc, 199, 2000)).length, 0); // 199 · 1.001² < 2 · 99.9
  const events = trade(acc, 200, 3000);
  const [f] = fills(events);
  assert.deepEqual([f.side, f.price, f.tag], ["buy", 200.2, "liquidation"]);
  assert.equal(position(acc, S).quantity, 0);
  near(acc.cash, 10000 + 99.9 - 0.0999 - 200.2 - 0.2002, "cash after liquidation");
  assert.ok(freeCash(acc) >= 0);
});

Deno.test("reduce-only orders are clipped to the position and never reserve funds", () => {
  const acc = account();
  trade(acc, 100, 1000);
  const none = submitOrder(
    acc,
    {
      symbol: S,
      side: "sell",
      type: "limit",
      quantity: 1,
      price: 120,
      reduce_only: true,
    },
    1000,
    [],
  );
  assert.equal(none.reason, "reduce_only: no long position to reduce");
  submitOrder(acc, { symbol: S, side: "buy", type: "market", quantity: 1 }, 1000, []);
  const o = submitOrder(
    acc,
    {
      symbol: S,
      side: "sell",
      type: "limit",
      quantity: 5,
      price: 120,
      reduce_only: true,
    },
    1000,
    [],
  );
  assert.deepEqual([o.quantity, o.reserved], [1, 0]);
  submitOrder(acc, { symbol: S, side: "sell", type: "market", quantity: 1 }, 1000, []);
  const events = trade(acc, 121, 2000);
  assert.equal(orderEvents(events)[0].reason, "reduce_only: position already closed");
});

Deno.test("invalid requests are rejected with a reason, never thrown", () => {
  const acc = account();
  trade(acc, 100, 1000);
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ symbol: "", side: "buy", type: "market", quantity: 1 }, /invalid symbol/],
    [{ symbol: S, side: "hold", type: "market", quantity: 1 }, /invalid side/],
    [{ symbol: S, side: "buy", type: "iceberg", quantity: 1 }, /invalid order type/],
    [{ symbol: S, side: "buy", type: "market", quantity: NaN }, /invalid quantity/],
    [{ symbol: S, side: "buy", type: "limit", quantity: 1 }, /needs a price/],
    [{ symbol: S, side: "buy", type: "stop_market", quantity: 1 }, /needs a stop_price/],
    [{ symbol: S, side: "sell", type: "trailing_stop", quantity: 1 }, /exactly one/],
  ];
  for (const [request, reason] of cases) {
    // deno-lint-ignore no-explicit-any
    const o = submitOrder(acc, request as any, 1000, []);
    assert.equal(o.status, "rejected");
    assert.match(o.reason!, reason);
  }
  assert.equal(acc.orders.length, 0);
});

Deno.test("malformed market data is dropped and counted", () => {
  const acc = account();
  trade(acc, NaN, 1000);
  trade(acc, -1, 1000);
  quote(acc, 101, 100, 1000);
  assert.equal(acc.totals.dropped, 3);
  assert.equal(acc.markets[S]?.last ?? 0, 0);
});
