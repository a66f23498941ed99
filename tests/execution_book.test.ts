/**
 * The L2 book fill model: market orders and marketable limits walk the book,
 * the rest of a thin book follows the configured rule, resting limits wait for
 * the visible queue ahead of them, and without a fresh book nothing changes.
 */
import assert from "node:assert/strict";
import { type Account, type ExecEvent, onBook, submitOrder } from "../engine/core/execution/mod.ts";
import type { Level } from "../engine/core/types.ts";
import { sessionInputSchema } from "../contract/schemas.ts";
import { executionOf } from "../engine/runtime/trading_input.ts";
import { account, fills, near, orderEvents, SYMBOL, trade } from "./_execution_helpers.ts";

const T = 1_000_000;

function book(acc: Account, bids: Level[], asks: Level[], time = T): void {
  onBook(acc, { type: "book", symbol: SYMBOL, updateId: 1, time, bids, asks }, []);
}

function order(
  acc: Account,
  request: { side: "buy" | "sell"; quantity: number; price?: number; time_in_force?: "IOC" },
  now = T,
): ExecEvent[] {
  const out: ExecEvent[] = [];
  const type = request.price === undefined ? "market" : "limit";
  submitOrder(acc, { symbol: SYMBOL, type, ...request }, now, out);
  return out;
}

const ASKS: Level[] = [[100, 1], [101, 2], [102, 10]];
const BIDS: Level[] = [[99, 3], [98, 5], [97, 10]];

Deno.test("worked example: a 5-unit market buy against asks 100×1, 101×2, 102×10 fills at 101.2", () => {
  const acc = account();
  book(acc, BIDS, ASKS);
  const [fill, ...more] = fills(order(acc, { side: "buy", quantity: 5 }));
  assert.equal(more.length, 0);
  assert.equal(fill.price, 101.2);
  assert.equal(fill.quantity, 5);
  assert.equal(fill.liquidity, "taker");
  near(fill.fee, 5 * 101.2 * 0.001, "taker fee on the book price");
  near(fill.slippage, (101.2 - 100) * 5, "slippage against the best ask");
});

Deno.test("a market sell walks the bids down, rounded against the trader", () => {
  const acc = account();
  book(acc, BIDS, ASKS);
  order(acc, { side: "buy", quantity: 7 });
  const [fill] = fills(order(acc, { side: "sell", quantity: 7 }));
  // 3 × 99 + 4 × 98 = 689 → 98.428… rounded down to the tick.
  assert.equal(fill.price, 98.42);
  assert.equal(fill.quantity, 7);
});

Deno.test("thinner than the order: the rest is priced by slippage from the last level, or expires", () => {
  const thin: Level[] = [[100, 1], [101, 2]];
  const slipped = account({ slippage: { model: "fixed", bps: 10 } });
  book(slipped, BIDS, thin);
  const [all] = fills(order(slipped, { side: "buy", quantity: 5 }));
  // 100 + 202 + 2 × 101 × 1.001 = 504.202 → 100.8404, up to 100.85.
  assert.equal(all.price, 100.85);
  assert.equal(all.quantity, 5);

  const expiring = account({ fill_model: { book: "l2", rest: "expire" } });
  book(expiring, BIDS, thin);
  const events = order(expiring, { side: "buy", quantity: 5 });
  const [part] = fills(events);
  assert.equal(part.quantity, 3);
  assert.equal(part.price, 100.67);
  const last = orderEvents(events).at(-1)!;
  assert.equal(last.status, "expired");
  assert.equal(last.filled_qty, 3);
});

Deno.test("a marketable limit takes the levels up to its price and rests the rest at the front", () => {
  const acc = account();
  book(acc, BIDS, ASKS);
  const events = order(acc, { side: "buy", quantity: 5, price: 101 });
  const [fill] = fills(events);
  assert.equal(fill.quantity, 3);
  assert.equal(fill.price, 100.67);
  const resting = acc.orders[0];
  assert.equal(resting.status, "partially_filled");
  assert.equal(resting.queue_ahead, 0, "no bid at 101 is ahead of it");
  const [next] = fills(trade(acc, 101, T + 1, 1));
  assert.equal(next.quantity, 1);
  assert.equal(next.liquidity, "maker");
});

Deno.test("a resting limit fills only after the visible quantity ahead of it has traded", () => {
  const acc = account();
  book(acc, BIDS, ASKS);
  order(acc, { side: "buy", quantity: 2, price: 99 });
  assert.equal(acc.orders[0].queue_ahead, 3);
  assert.equal(fills(trade(acc, 99, T + 1, 2)).length, 0, "2 of the 3 ahead traded");
  assert.equal(acc.orders[0].queue_ahead, 1);
  const [first] = fills(trade(acc, 99, T + 2, 2));
  assert.equal(first.quantity, 1, "the last 1 ahead, then 1 for us");
  assert.equal(first.price, 99);
  const [second] = fills(trade(acc, 98.5, T + 3, 10));
  assert.equal(second.quantity, 1, "a trade through the price fills the rest");
  assert.equal(acc.orders.length, 0);
});

Deno.test("a price between levels has nothing ahead; a trade at another price fills nothing", () => {
  const acc = account();
  book(acc, BIDS, ASKS);
  order(acc, { side: "buy", quantity: 1, price: 98.5 });
  assert.equal(acc.orders[0].queue_ahead, 0);
  assert.equal(fills(trade(acc, 99, T + 1, 5)).length, 0);
  assert.equal(fills(trade(acc, 98.5, T + 2, 5))[0].quantity, 1);
});

Deno.test("a stale book, or fill_model none, keeps the top-of-book and slippage model", () => {
  for (
    const [acc, now] of [[account(), T + 60_000], [
      account({ fill_model: { book: "none" } }),
      T,
    ]] as const
  ) {
    book(acc, BIDS, ASKS);
    trade(acc, 100, now - 1, 1);
    const [fill] = fills(order(acc, { side: "buy", quantity: 5 }, now));
    // The fresh ask (100), or the last trade (100) when the book is stale, plus 10 bps.
    assert.equal(fill.price, 100.1);
    order(acc, { side: "sell", quantity: 1, price: 150 }, now);
    assert.equal(acc.orders.at(-1)!.queue_ahead, undefined);
  }
});

Deno.test("malformed books are dropped and counted, never stored", () => {
  const acc = account();
  book(acc, [[101, 1]], [[100, 1]]);
  book(acc, [[98, 1], [99, 1]], ASKS);
  book(acc, BIDS, [[100, -1]]);
  assert.equal(acc.totals.dropped, 3);
  assert.equal(acc.books, undefined);
});

Deno.test("a request's fill_model chooses the book model beside the matching settings", () => {
  const fields = (fill_model: Record<string, unknown>) =>
    sessionInputSchema.parse({ strategy: "ema_cross", symbol: "BTCUSDT", fill_model });
  const none = executionOf(1000, fields({ book: "none", queue: "touch" }));
  assert.deepEqual(none.fill_model, { book: "none" });
  assert.equal(none.queue, "touch");
  const expire = executionOf(1000, fields({ rest: "expire" }));
  assert.deepEqual(expire.fill_model, { book: "l2", rest: "expire" });
  assert.equal(executionOf(1000, fields({ latency_ms: 5 })).fill_model, undefined);
  assert.throws(() => fields({ book: "l3" }));
});
