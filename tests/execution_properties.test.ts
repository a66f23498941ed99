import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type Account,
  cancelAll,
  cancelOrder,
  equity,
  type ExecEvent,
  freeCash,
  onQuote,
  onTrade,
  type OrderRequest,
  position,
  submitOrder,
} from "../engine/core/execution/mod.ts";
import { account, SYMBOL } from "./_execution_helpers.ts";

type Action =
  | { kind: "trade"; price: number; qty: number; dt: number }
  | { kind: "quote"; mid: number; spread: number; dt: number }
  | { kind: "submit"; request: OrderRequest }
  | { kind: "cancel"; index: number };

function chance(p: number): fc.Arbitrary<boolean> {
  return fc.noBias(fc.integer({ min: 0, max: 999 })).map((x) => x < p * 1000);
}

const price = fc.integer({ min: 8_000, max: 12_000 }).map((c) => c / 100);

const request: fc.Arbitrary<OrderRequest> = fc.record({
  side: fc.constantFrom("buy" as const, "sell" as const),
  type: fc.constantFrom(
    "market" as const,
    "limit" as const,
    "stop_market" as const,
    "stop_limit" as const,
    "take_profit" as const,
    "trailing_stop" as const,
  ),
  quantity: fc.integer({ min: 1, max: 40_000 }).map((q) => q / 1000),
  price,
  stop: price,
  ioc: chance(0.15),
  post: chance(0.15),
  reduce: chance(0.15),
  bracket: chance(0.2),
}).map((r) => ({
  symbol: SYMBOL,
  side: r.side,
  type: r.type,
  quantity: r.quantity,
  ...(r.type === "limit" || r.type === "stop_limit" ? { price: r.price } : {}),
  ...(r.type.startsWith("stop") || r.type === "take_profit" ? { stop_price: r.stop } : {}),
  ...(r.type === "trailing_stop" ? { trail_percent: 2 } : {}),
  ...(r.ioc ? { time_in_force: "IOC" as const } : {}),
  ...(r.post ? { post_only: true } : {}),
  ...(r.reduce ? { reduce_only: true } : {}),
  ...(r.bracket ? { bracket: { stop_loss: r.stop * 0.95, take_profit: r.stop * 1.05 } } : {}),
}));

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("trade" as const),
      price,
      qty: fc.integer({ min: 1, max: 5000 }).map((q) => q / 1000),
      dt: fc.integer({ min: 0, max: 100 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("quote" as const),
      mid: price,
      spread: fc.integer({ min: 1, max: 20 }),
      dt: fc.integer({ min: 0, max: 100 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("submit" as const), request }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("cancel" as const), index: fc.nat() }) },
);

const config = fc.record({
  allow_short: fc.boolean(),
  latency_ms: fc.constantFrom(0, 50),
  queue: fc.constantFrom("trade_through" as const, "touch" as const),
  max_volume_share: fc.constantFrom(0.25, 1),
  initial_cash: fc.constantFrom(1000, 10_000),
  slippage: fc.constantFrom(
    { model: "fixed" as const, bps: 10 },
    { model: "sqrt" as const, coefficient: 20, cap_bps: 80 },
  ),
});

/** Runs actions from `clock`; returns the events and the final clock. */
function run(acc: Account, actions: readonly Action[], clock: number, check: () => void) {
  const out: ExecEvent[] = [];
  let id = 0;
  for (const a of actions) {
    if (a.kind === "trade") {
      clock += a.dt;
      onTrade(acc, {
        type: "trade",
        symbol: SYMBOL,
        id: id++,
        price: a.price,
        qty: a.qty,
        time: clock,
        buyerMaker: false,
      }, out);
    } else if (a.kind === "quote") {
      clock += a.dt;
      const half = a.spread / 200;
      onQuote(acc, {
        type: "quote",
        symbol: SYMBOL,
        updateId: id++,
        bid: a.mid - half,
        bidQty: 1,
        ask: a.mid + half,
        askQty: 1,
        time: clock,
      }, out);
    } else if (a.kind === "submit") {
      submitOrder(acc, a.request, clock, out);
    } else if (acc.orders.length > 0) {
      cancelOrder(acc, acc.orders[a.index % acc.orders.length].id, clock, out);
    }
    check();
  }
  return { out, clock };
}

function near(actual: number, expected: number, what: string, scale = Math.abs(expected)): void {
  assert.ok(
    Math.abs(actual - expected) <= 1e-9 * Math.max(1, scale),
    `${what}: expected ${expected}, got ${actual}`,
  );
}

Deno.test("accounting reconciles over random order and trade streams", () => {
  fc.assert(
    fc.property(config, fc.array(action, { minLength: 20, maxLength: 200 }), (cfg, actions) => {
      const acc = account(cfg);
      const out: ExecEvent[] = [];
      const check = () => {
        const free = freeCash(acc);
        assert.ok(free >= -1e-9 * cfg.initial_cash, `free cash negative: ${free}`);
        const p = position(acc, SYMBOL);
        near(equity(acc), acc.cash + p.quantity * p.mark_price, "equity", cfg.initial_cash);
        const reserved = acc.orders.reduce((s, o) => s + o.reserved, 0);
        near(acc.reserved, reserved, "reserved", cfg.initial_cash);
        assert.ok(acc.orders.every((o) => o.reserved >= -1e-9), "negative order reservation");
      };
      const result = run(acc, actions, 1_000, check);
      out.push(...result.out);
      let flows = 0;
      let fees = 0;
      for (const e of out) {
        if (e.type !== "fill") continue;
        flows += (e.fill.side === "sell" ? 1 : -1) * e.fill.price * e.fill.quantity;
        fees += e.fill.fee;
      }
      near(acc.cash, cfg.initial_cash + flows - fees, "cash ledger", cfg.initial_cash);
      near(acc.totals.fees, fees, "fees total", cfg.initial_cash);
      if (position(acc, SYMBOL).quantity === 0) {
        near(
          acc.cash,
          cfg.initial_cash + acc.totals.realized - fees,
          "flat reconcile",
          cfg.initial_cash,
        );
        const trips = out.flatMap((e) => e.type === "trade_closed" ? [e.trade] : []);
        const pnl = trips.reduce((s, t) => s + t.pnl, 0);
        near(acc.cash, cfg.initial_cash + pnl, "closed trades pnl", cfg.initial_cash);
      }
      cancelAll(acc, SYMBOL, result.clock, []);
      assert.equal(acc.reserved, 0);
      assert.equal(acc.orders.length, 0);
    }),
    { numRuns: 300 },
  );
});

Deno.test("a JSON round trip of the account mid-stream continues identically", () => {
  fc.assert(
    fc.property(
      config,
      fc.array(action, { minLength: 10, maxLength: 100 }),
      fc.array(action, { minLength: 10, maxLength: 100 }),
      (cfg, before, after) => {
        const acc = account(cfg);
        const { clock } = run(acc, before, 1_000, () => {});
        const copy: Account = JSON.parse(JSON.stringify(acc));
        assert.deepEqual(copy, acc);
        const a = run(acc, after, clock, () => {});
        const b = run(copy, after, clock, () => {});
        assert.deepEqual(b.out, a.out);
        assert.equal(JSON.stringify(copy), JSON.stringify(acc));
      },
    ),
    { numRuns: 200 },
  );
});
