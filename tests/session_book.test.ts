/**
 * Books reach sessions: the hub publishes each book's top levels on the bus
 * in order with the trades, and a session fills its market entries by walking
 * the book it last received (the book fill model), not the top-of-book price.
 */
import assert from "node:assert/strict";
import { SessionCore, type SessionEffect } from "../engine/core/session/mod.ts";
import { resolveExecutionConfig } from "../engine/core/execution/mod.ts";
import { parseStrategy } from "../engine/core/strategy/mod.ts";
import type { BookTop, Level, Trade } from "../engine/core/types.ts";
import { BUS_BOOK_DEPTH, MarketHub } from "../engine/runtime/market/hub.ts";
import { BusSubscriber } from "../engine/runtime/market/bus_subscriber.ts";
import type { BusEvent } from "../engine/runtime/market/bus.ts";
import { SimFeed } from "../engine/runtime/market/sim_feed.ts";
import { waveTrades } from "./support/trades.ts";
import { until } from "./support/wait.ts";

/** A book around `price`: a thin best level, then a deep one a unit away. */
function bookAt(trade: Trade, levels = 2): BookTop {
  const side = (sign: number): Level[] =>
    Array.from({ length: levels }, (_, i) => [
      Math.round((trade.price + sign * (i === 0 ? 0.01 : i)) * 100) / 100,
      i === 0 ? 0.001 : 100,
    ]);
  return {
    type: "book",
    symbol: trade.symbol,
    updateId: trade.id,
    time: trade.time,
    bids: side(-1),
    asks: side(1),
  };
}

Deno.test("session: market entries walk the last book received", async () => {
  const source = await Deno.readTextFile(
    new URL("../strategies/ema_cross_fast.yaml", import.meta.url),
  );
  const parsed = parseStrategy(source);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const core = new SessionCore({
    symbol: "BTCUSDT",
    strategy: parsed.strategy,
    execution: resolveExecutionConfig({ initial_cash: 10_000 }),
  });
  const out: SessionEffect[] = [];
  let checked = 0;
  for (const trade of waveTrades({ count: 20_000 })) {
    const book = bookAt(trade);
    core.book(book, out);
    const before = out.length;
    core.step(trade, out);
    for (const effect of out.slice(before)) {
      if (effect.type !== "fill" || effect.fill.liquidity !== "taker") continue;
      const { price, quantity, side, slippage } = effect.fill;
      const [best, deep] = side === "buy" ? book.asks : book.bids;
      const vwap = (best[0] * best[1] + deep[0] * (quantity - best[1])) / quantity;
      const rounded = (side === "buy" ? Math.ceil : Math.floor)(vwap * 100 - 1e-7) / 100;
      assert.ok(Math.abs(price - rounded) < 1e-9, `${side} ${quantity}: ${price} vs ${rounded}`);
      assert.ok(Math.abs(slippage - Math.abs(price - best[0]) * quantity) < 1e-6);
      checked++;
    }
  }
  assert.ok(checked > 10, `book fills checked: ${checked}`);
  assert.ok(core.snapshot().account.books?.BTCUSDT, "the book is part of the durable state");
});

Deno.test("hub: books travel on the bus in order with trades, cut to the bus depth", async () => {
  const hub = new MarketHub(new SimFeed(), { warmup: false });
  const received: BusEvent[] = [];
  const trades = waveTrades({ count: 3 });
  const subscriber = new BusSubscriber({
    symbols: ["BTCUSDT"],
    rings: { BTCUSDT: hub.ring("BTCUSDT") },
    startAfter: { BTCUSDT: 0 },
    onEvents: (events) => received.push(...events),
    requestRecovery: (symbol, from, to) =>
      queueMicrotask(() => subscriber.deliverRecovered(symbol, hub.recover(symbol, from, to))),
  });
  const topics: BookTop[] = [];
  const stop = hub.listenBook("BTCUSDT", (book) => topics.push(book));
  try {
    hub.ingest(trades[0]);
    hub.ingestBook(bookAt(trades[1], 30));
    hub.ingest(trades[2]);
    hub.flush();
    await until(() => received.length >= 3, "three events on the bus");
    assert.deepEqual(received.map((e) => e.type), ["trade", "book", "trade"]);
    const book = received[1] as BookTop;
    assert.equal(book.bids.length, BUS_BOOK_DEPTH);
    assert.equal(book.asks.length, BUS_BOOK_DEPTH);
    assert.equal(topics.length, 1);
    assert.equal(topics[0].asks.length, 30, "listeners and the cache keep the full book");
    assert.equal(hub.cache.book("BTCUSDT", 100)?.bids.length, 30);
  } finally {
    stop();
    subscriber.close();
    await hub.close();
  }
});
