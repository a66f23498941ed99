/**
 * The band of trade prices that leave resting orders as they are
 * (`narrowToResting`): for every order kind, a trade strictly inside it
 * changes no order and emits nothing, under the default and the touch and
 * partial-fill execution settings; the band is tight (a trade at a bound or
 * one representable price beyond it changes an order); an order not yet
 * arrived bounds the times instead.
 */
import assert from "node:assert/strict";
import {
  type Account,
  applyTrade,
  createAccount,
  type ExecEvent,
  type OrderRequest,
  resolveExecutionConfig,
  submitOrder,
} from "../engine/core/execution/mod.ts";
import { narrowToResting, type RestingBand } from "../engine/core/execution/resting_band.ts";
import type { Trade } from "../engine/core/types.ts";

const START = Date.UTC(2026, 0, 1);

function tradeAt(price: number, time: number): Trade {
  return { type: "trade", symbol: "BTCUSDT", id: time, price, qty: 0.5, time, buyerMaker: false };
}

/** The next representable double above (`up`) or below `x` (x > 0). */
function adjacent(x: number, up: boolean): number {
  const bits = new BigInt64Array(new Float64Array([x]).buffer);
  bits[0] += up ? 1n : -1n;
  return new Float64Array(bits.buffer)[0];
}

/** Orders of each kind at levels around a price of 100 (a stop-limit also after its trigger). */
const KINDS: Record<string, OrderRequest> = {
  "buy limit": { symbol: "BTCUSDT", side: "buy", type: "limit", quantity: 1, price: 99 },
  "sell limit": { symbol: "BTCUSDT", side: "sell", type: "limit", quantity: 1, price: 101 },
  "buy stop": { symbol: "BTCUSDT", side: "buy", type: "stop_market", quantity: 1, stop_price: 101 },
  "sell stop": {
    symbol: "BTCUSDT",
    side: "sell",
    type: "stop_market",
    quantity: 1,
    stop_price: 99,
  },
  "buy stop-limit": {
    symbol: "BTCUSDT",
    side: "buy",
    type: "stop_limit",
    quantity: 1,
    stop_price: 101,
    price: 101.5,
  },
  "sell stop-limit, triggered": {
    symbol: "BTCUSDT",
    side: "sell",
    type: "stop_limit",
    quantity: 1,
    stop_price: 100.5,
    price: 101,
  },
  "buy take-profit": {
    symbol: "BTCUSDT",
    side: "buy",
    type: "take_profit",
    quantity: 1,
    stop_price: 99,
  },
  "sell take-profit": {
    symbol: "BTCUSDT",
    side: "sell",
    type: "take_profit",
    quantity: 1,
    stop_price: 101,
  },
  "sell trailing stop": {
    symbol: "BTCUSDT",
    side: "sell",
    type: "trailing_stop",
    quantity: 1,
    trail_percent: 1,
  },
  "buy trailing stop": {
    symbol: "BTCUSDT",
    side: "buy",
    type: "trailing_stop",
    quantity: 1,
    trail_amount: 1.5,
  },
};

const EXECUTIONS: Record<string, Record<string, unknown>> = {
  defaults: {},
  "touch, partial fills": { queue: "touch", max_volume_share: 0.3 },
};

/** An account holding `request` as an arrived order after trades at 100 (and 100.5, 100: a stop-limit triggered there). */
function resting(request: OrderRequest, execution: Record<string, unknown>): Account {
  const account = createAccount(resolveExecutionConfig({ allow_short: true, ...execution }));
  const out: ExecEvent[] = [];
  applyTrade(account, tradeAt(100, START), out);
  submitOrder(account, request, START, out);
  for (const [i, price] of [100, 100.5, 100].entries()) {
    applyTrade(account, tradeAt(price, START + 1 + i), out);
  }
  return account;
}

/** Whether a trade at `price` changes `account`'s orders or emits anything (the account is left as it was). */
function changes(account: Account, price: number): boolean {
  const copy = structuredClone(account);
  const out: ExecEvent[] = [];
  applyTrade(copy, tradeAt(price, START + 10), out);
  return out.length > 0 || JSON.stringify(copy.orders) !== JSON.stringify(account.orders);
}

for (const [executionName, execution] of Object.entries(EXECUTIONS)) {
  for (const [name, request] of Object.entries(KINDS)) {
    Deno.test(`resting band: ${name}, ${executionName}`, () => {
      const account = resting(request, execution);
      assert.equal(account.orders.length, 1, `${name} is not resting`);
      const band: RestingBand = { floor: 0, ceiling: Infinity, before: Infinity };
      assert.ok(narrowToResting(account, "BTCUSDT", band), "empty band");
      assert.equal(band.before, Infinity, "an arrived order bounds the time");
      const bounds = [band.floor, band.ceiling].filter((b) => b > 0 && b < Infinity);
      assert.ok(bounds.length > 0, "no level bounds the band");
      for (const bound of bounds) {
        const inward = bound === band.floor;
        const inside = [adjacent(bound, inward), bound + (inward ? 0.25 : -0.25)];
        for (const price of inside) {
          assert.ok(price > band.floor && price < band.ceiling);
          assert.equal(
            changes(account, price),
            false,
            `a trade at ${price} inside changed an order`,
          );
        }
        assert.ok(
          changes(account, bound) || changes(account, adjacent(bound, !inward)),
          `neither a trade at ${bound} nor just beyond changed an order: the band is not tight`,
        );
      }
      assert.equal(changes(account, 100), false, "a trade at 100 changed an order");
    });
  }
}

Deno.test("resting band: an order not yet arrived bounds the times, not the prices", () => {
  const account = createAccount(resolveExecutionConfig({ latency_ms: 500 }));
  const out: ExecEvent[] = [];
  applyTrade(account, tradeAt(100, START), out);
  submitOrder(account, KINDS["buy limit"], START, out);
  const band: RestingBand = { floor: 0, ceiling: Infinity, before: Infinity };
  assert.ok(narrowToResting(account, "BTCUSDT", band));
  assert.deepEqual(band, { floor: 0, ceiling: Infinity, before: START + 500 });
  const early = structuredClone(account);
  applyTrade(early, tradeAt(50, START + 499), out);
  assert.deepEqual(early.orders, account.orders, "the order met a trade before its arrival");
  applyTrade(account, tradeAt(100, START + 500), out);
  assert.equal(account.orders[0].arrived, true, "the order did not arrive at its arrival time");
});

Deno.test("resting band: an ended order not yet dropped opens no band", () => {
  const account = resting(KINDS["buy limit"], {});
  account.orders[0].status = "cancelled";
  const band: RestingBand = { floor: 0, ceiling: Infinity, before: Infinity };
  assert.equal(narrowToResting(account, "BTCUSDT", band), false);
});
