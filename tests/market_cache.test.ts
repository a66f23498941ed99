import assert from "node:assert/strict";
import fc from "fast-check";
import { MarketCache } from "../engine/runtime/market/cache.ts";
import { parseMessage, toEnvelope } from "../engine/runtime/market/binance_protocol.ts";
import type { MarketEvent, Trade } from "../engine/core/types.ts";
import { tradeOf } from "./support/trades.ts";

const T0 = Date.UTC(2025, 0, 1);

function trade(id: number, price: number, time: number): Trade {
  return tradeOf({ id, price, time });
}

Deno.test("cache: trades ring keeps the last 1000, oldest first", () => {
  const cache = new MarketCache();
  for (let i = 1; i <= 1500; i++) cache.apply(trade(i, 100 + i, T0 + i));
  const last = cache.trades("BTCUSDT", 5000);
  assert.equal(last.length, 1000);
  assert.equal(last[0].id, 501);
  assert.equal(last.at(-1)!.id, 1500);
  assert.deepEqual(cache.trades("BTCUSDT", 2).map((t) => t.id), [1499, 1500]);
  assert.deepEqual(cache.trades("NOPE", 2), []);
});

Deno.test("cache: 1m candles are built from trades (closed + forming)", () => {
  const cache = new MarketCache();
  const closed: MarketEvent[] = [];
  cache.apply(trade(1, 100, T0 + 1_000), closed as never);
  cache.apply(trade(2, 105, T0 + 30_000));
  cache.apply(trade(3, 95, T0 + 59_999));
  cache.apply(trade(4, 101, T0 + 60_000), closed as never);
  const candles = cache.candles("BTCUSDT", "1m", 10);
  assert.equal(candles.length, 2);
  assert.deepEqual(
    [
      candles[0].open,
      candles[0].high,
      candles[0].low,
      candles[0].close,
      candles[0].volume,
      candles[0].closed,
    ],
    [100, 105, 95, 95, 3, true],
  );
  assert.equal(candles[1].closed, false);
  assert.equal(candles[1].openTime, T0 + 60_000);
  assert.equal(closed.length, 1);
});

Deno.test("cache: ticker with quote and 24 h change from hourly candles", () => {
  const cache = new MarketCache();
  assert.equal(cache.ticker("BTCUSDT"), undefined);
  cache.apply(trade(1, 100, T0));
  cache.apply(trade(2, 110, T0 + 3_600_000));
  cache.apply(trade(3, 120, T0 + 26 * 3_600_000));
  cache.apply({
    type: "quote",
    symbol: "BTCUSDT",
    updateId: 1,
    bid: 119,
    bidQty: 1,
    ask: 121,
    askQty: 1,
    time: T0 + 26 * 3_600_000,
  });
  const t = cache.ticker("BTCUSDT")!;
  assert.equal(t.price, 120);
  assert.equal(t.bid, 119);
  assert.equal(t.ask, 121);
  // 24 h before is T0 + 2 h: no candle then, so the next hourly candle's open (120) is the reference.
  assert.equal(t.change_24h_percent, 0);
  const fresh = new MarketCache();
  fresh.apply(trade(1, 100, T0));
  fresh.apply(trade(2, 150, T0 + 60_000));
  assert.equal(fresh.ticker("BTCUSDT")!.change_24h_percent, 50);
});

Deno.test("protocol: toEnvelope and parseMessage round-trip any valid event", () => {
  const symbol = fc.constantFrom("BTCUSDT", "ETHUSDT");
  const pos = fc.double({ min: 1e-8, max: 1e7, noNaN: true });
  const time = fc.integer({ min: 1, max: 4e12 });
  const event = fc.oneof(
    fc.record({
      type: fc.constant("trade" as const),
      symbol,
      id: fc.nat(),
      price: pos,
      qty: pos,
      time,
      buyerMaker: fc.boolean(),
    }),
    fc.record({
      type: fc.constant("quote" as const),
      symbol,
      updateId: fc.nat(),
      bid: pos,
      bidQty: pos,
      ask: pos,
      askQty: pos,
      time,
    }),
  );
  fc.assert(fc.property(event, (e) => {
    const parsed = parseMessage(JSON.stringify(toEnvelope(e)));
    assert.deepEqual(parsed, { kind: "event", event: { ...e } });
  }));
});

Deno.test("protocol: raw streams, aggTrade, bookTicker without E, klines, replies", () => {
  const agg = parseMessage(
    '{"e":"aggTrade","E":2,"s":"BTCUSDT","a":26129,"p":"0.01633102","q":"4.7","f":100,"l":105,"T":1,"m":true}',
  );
  assert.deepEqual(agg, {
    kind: "event",
    event: {
      type: "trade",
      symbol: "BTCUSDT",
      id: 26129,
      price: 0.01633102,
      qty: 4.7,
      time: 1,
      buyerMaker: true,
    },
  });
  const book = parseMessage(
    '{"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}',
    77,
  );
  assert.deepEqual(book, {
    kind: "event",
    event: {
      type: "quote",
      symbol: "BNBUSDT",
      updateId: 400900217,
      bid: 25.3519,
      bidQty: 31.21,
      ask: 25.3652,
      askQty: 40.66,
      time: 77,
    },
  });
  const kline = parseMessage(JSON.stringify({
    stream: "btcusdt@kline_1m",
    data: {
      e: "kline",
      E: 5,
      s: "BTCUSDT",
      k: { t: 0, T: 59_999, i: "1m", o: "1", h: "2", l: "0.5", c: "1.5", v: "10", x: false },
    },
  }));
  assert.equal(
    kline.kind === "event" && kline.event.type === "candle" && kline.event.closed,
    false,
  );
  assert.deepEqual(parseMessage('{"result":null,"id":3}'), { kind: "reply", id: 3 });
  assert.deepEqual(parseMessage("[1,2]"), { kind: "dropped", reason: "unknown_message" });
});
