import assert from "node:assert/strict";
import fc from "fast-check";
import {
  affordableQuantity,
  type ExecEvent,
  type ExecutionConfig,
  feeRate,
  freeCash,
  fundsNeeded,
  maxFeeRate,
  type PositionState,
  resolveExecutionConfig,
  SIZING_MARGIN,
  slippageBps,
  slippedPrice,
  submitOrder,
  worstCoverPrice,
  worstSlippageBps,
} from "../engine/core/execution/mod.ts";
import { positionOf } from "../engine/core/execution/account.ts";
import { account, orderEvents, quote, SYMBOL, trade } from "./_execution_helpers.ts";

const S = SYMBOL;

/** A position of `quantity` (negative: short) entered at `avg`. */
function held(quantity: number, avg: number): PositionState {
  return { ...positionOf(account(), S), quantity, avg_price: avg, mark_price: avg };
}

const sqrt: ExecutionConfig = resolveExecutionConfig({
  maker_fee: 0.0002,
  taker_fee: 0.0007,
  slippage: { model: "sqrt", coefficient: 20, cap_bps: 50 },
});

Deno.test("costs: fee rates by liquidity; the higher one for reservations; zero fees", () => {
  assert.equal(feeRate(sqrt, "maker"), 0.0002);
  assert.equal(feeRate(sqrt, "taker"), 0.0007);
  assert.equal(maxFeeRate(sqrt), 0.0007);
  const makerDear = resolveExecutionConfig({ maker_fee: 0.003, taker_fee: 0.001 });
  assert.equal(maxFeeRate(makerDear), 0.003);
  const free = resolveExecutionConfig({ maker_fee: 0, taker_fee: 0 });
  assert.equal(maxFeeRate(free), 0);
  assert.equal(fundsNeeded(held(0, 0), "buy", 2, 100, maxFeeRate(free)), 200);
});

Deno.test("costs: per-fill and worst-case slippage of both models", () => {
  const fixed = resolveExecutionConfig({ slippage: { model: "fixed", bps: 12 } });
  assert.equal(worstSlippageBps(fixed), 12);
  assert.equal(worstSlippageBps(sqrt), 50);
  const acc = account({ slippage: sqrt.slippage });
  trade(acc, 100, 1000, 4);
  const market = acc.markets[S];
  assert.equal(market.volume_ref, 4, "the first trade sets the typical size");
  assert.equal(slippageBps(fixed, market, 1_000), 12, "fixed ignores the size");
  assert.equal(slippageBps(sqrt, market, 1), 20 * Math.sqrt(1 / 4));
  assert.equal(slippageBps(sqrt, market, 400), 50, "capped");
  assert.equal(slippageBps(sqrt, { ...market, volume_ref: 0 }, 1), 50, "no size known: the cap");
  assert.equal(slippageBps(sqrt, market, 0), 0, "nothing traded, nothing slipped");
  assert.equal(slippedPrice(100, "buy", 10), 100.1);
  assert.equal(slippedPrice(100, "sell", 10), 99.9);
  assert.equal(slippedPrice(100, "buy", 0), 100);
  assert.equal(slippedPrice(0, "buy", 50), 0, "zero price stays zero");
});

Deno.test("costs: funds a fill takes or frees, long, short and flipping", () => {
  const f = 0.001;
  assert.equal(fundsNeeded(held(0, 0), "buy", 2, 100, f), 2 * 100 * (1 + f), "open long");
  assert.equal(fundsNeeded(held(2, 90), "sell", 2, 100, f), -2 * 100 * (1 - f), "close long");
  assert.equal(fundsNeeded(held(0, 0), "sell", 2, 100, f), 2 * 100 * (1 + f), "open short");
  assert.equal(
    fundsNeeded(held(-2, 90), "buy", 2, 100, f),
    2 * 100 * (1 + f) - 2 * 2 * 90,
    "covering releases twice the entry notional",
  );
  assert.equal(
    fundsNeeded(held(1, 90), "sell", 3, 100, f),
    2 * 100 * (1 + f) - 1 * 100 * (1 - f),
    "flip: close one, open two short",
  );
  assert.equal(fundsNeeded(held(0, 0), "buy", 2, 0, f), 0, "zero price costs nothing");
});

Deno.test("costs: affordable quantity includes fees, worst slippage and the margin", () => {
  const acc = account({ maker_fee: 0.001, taker_fee: 0.002 });
  const unit = 100 * (1 + 0.002 + 10 / 10_000 + SIZING_MARGIN);
  assert.equal(affordableQuantity(acc, 100), 10_000 / unit);
  const free = account({
    initial_cash: 1_001,
    maker_fee: 0,
    taker_fee: 0,
    slippage: { model: "fixed", bps: 0 },
  });
  assert.equal(affordableQuantity(free, 100), 1_001 / (100 * (1 + SIZING_MARGIN)));
  const capped = account({ ...sqrt, initial_cash: 500 });
  assert.equal(
    affordableQuantity(capped, 50),
    500 / (50 * (1 + 0.0007 + 50 / 10_000 + SIZING_MARGIN)),
    "the sqrt model's cap",
  );
  trade(acc, 100, 1000);
  submitOrder(acc, { symbol: S, side: "buy", type: "limit", quantity: 10, price: 99 }, 1000, []);
  assert.equal(
    affordableQuantity(acc, 100),
    freeCash(acc) / unit,
    "what open orders reserve is not free",
  );
  assert.ok(freeCash(acc) < 10_000 - 990, "the limit reserves");
});

Deno.test("costs: affordable quantity is 0 without a price or without free cash", () => {
  const acc = account();
  for (const price of [0, -1, NaN, Infinity]) {
    assert.equal(affordableQuantity(acc, price), 0, `price ${price}`);
  }
  const broke = account({ initial_cash: 50 });
  broke.cash = 0;
  assert.equal(affordableQuantity(broke, 100), 0);
  broke.cash = -50;
  assert.equal(affordableQuantity(broke, 100), 0, "an insolvent account affords nothing");
});

Deno.test("costs: capital below one lot sizes below the step, and the order is refused", () => {
  const acc = account({ initial_cash: 0.05 });
  trade(acc, 100, 1000);
  const quantity = affordableQuantity(acc, 100);
  assert.ok(quantity > 0 && quantity < 0.001, `below one step of 0.001: ${quantity}`);
  const out: ExecEvent[] = [];
  const order = submitOrder(acc, { symbol: S, side: "buy", type: "market", quantity }, 1000, out);
  assert.equal(order.status, "rejected");
  assert.match(order.reason ?? "", /rounds to 0 at step size 0\.001/);
  assert.equal(acc.cash, 0.05, "nothing spent");
});

Deno.test("costs: a short is liquidated exactly when the worst cover reaches its lock", () => {
  const acc = account({ allow_short: true, initial_cash: 100_000 });
  trade(acc, 100, 1000);
  submitOrder(acc, { symbol: S, side: "sell", type: "market", quantity: 1 }, 1000, []);
  const avg = acc.positions[S].avg_price;
  assert.ok(avg > 0 && acc.positions[S].quantity === -1, "short one unit");
  // The highest tick whose worst cover stays below the lock, and the next one.
  let safe = Math.floor(2 * avg / worstCoverPrice(acc.config, 1) * 100) / 100;
  while (worstCoverPrice(acc.config, safe) >= 2 * avg) safe = Math.round(safe * 100 - 1) / 100;
  const due = Math.round(safe * 100 + 1) / 100;
  assert.ok(worstCoverPrice(acc.config, due) >= 2 * avg, "the next tick is due");
  const quiet = trade(acc, safe, 2000);
  assert.deepEqual(orderEvents(quiet), [], `no liquidation at ${safe}`);
  const liquidated = orderEvents(trade(acc, due, 3000));
  assert.equal(liquidated[0]?.tag, "liquidation", `liquidation at ${due}`);
  assert.equal(acc.positions[S].quantity, 0, "the short is closed");
});

Deno.test("costs: the affordable quantity of a market buy is accepted and filled in full", () => {
  const config = fc.record({
    maker_fee: fc.integer({ min: 0, max: 100 }).map((x) => x / 10_000),
    taker_fee: fc.integer({ min: 0, max: 100 }).map((x) => x / 10_000),
    slippage: fc.oneof(
      fc.record({
        model: fc.constant("fixed" as const),
        bps: fc.integer({ min: 0, max: 500 }),
      }),
      fc.record({
        model: fc.constant("sqrt" as const),
        coefficient: fc.integer({ min: 0, max: 100 }),
        cap_bps: fc.integer({ min: 0, max: 500 }),
      }),
    ),
  });
  const cents = fc.integer({ min: 8_000, max: 12_000 });
  const cash = fc.integer({ min: 10, max: 1_000_000 });
  fc.assert(fc.property(config, cents, cents, cash, (overrides, bid, spread, initial) => {
    const acc = account({ ...overrides, initial_cash: initial });
    const ask = (bid + spread % 50) / 100;
    trade(acc, bid / 100, 1000, 3);
    quote(acc, bid / 100, ask, 1000);
    const quantity = affordableQuantity(acc, ask);
    const out: ExecEvent[] = [];
    const order = submitOrder(acc, { symbol: S, side: "buy", type: "market", quantity }, 1000, out);
    if (order.status === "rejected") {
      assert.doesNotMatch(order.reason ?? "", /insufficient funds/, "sized within the funds");
      return;
    }
    assert.equal(order.status, "filled");
    assert.equal(order.filled_qty, order.quantity, "not clipped at fill time");
    assert.ok(acc.cash >= 0, `cash stays ≥ 0: ${acc.cash}`);
  }));
});
