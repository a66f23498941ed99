/**
 * A second venue through the exchange library: venue-qualified symbols, and
 * the ccxt feed against a local server speaking OKX's real public protocol
 * (WebSocket v5 and the REST instruments the library loads its markets from).
 */
import assert from "node:assert/strict";
import type { BookTop, MarketEvent } from "../engine/core/types.ts";
import { CcxtFeed } from "../engine/runtime/market/ccxt_feed.ts";
import { parseVenueSymbol } from "../engine/runtime/market/venue.ts";
import { startFakeOkx } from "./support/fake_okx.ts";
import { eventually } from "./support/wait.ts";

Deno.test("venue symbols: venue:BASE/QUOTE is qualified, a bare symbol is Binance spot", () => {
  assert.deepEqual(parseVenueSymbol("okx:btc/usdt"), {
    venue: "okx",
    pair: "BTC/USDT",
    symbol: "OKX:BTC/USDT",
  });
  assert.deepEqual(parseVenueSymbol("btcusdt"), {
    venue: "binance",
    pair: "BTCUSDT",
    symbol: "BTCUSDT",
  });
  for (const bad of ["okx:BTCUSDT", "okx:BTC/", ":BTC/USDT", "BTC/USDT", "okx:BTC/USDT/X", ""]) {
    assert.equal(parseVenueSymbol(bad), undefined, bad);
  }
});

Deno.test("ccxt feed: OKX trades, filters and fees from the venue's markets, reconnects", async () => {
  const fake = await startFakeOkx();
  const events: MarketEvent[] = [];
  const books: BookTop[] = [];
  const feed = new CcxtFeed({
    venue: "okx",
    urls: { rest: fake.restUrl, ws: fake.wsUrl.replace(/\/public$/, "") },
  });
  feed.books((book) => books.push(book));
  try {
    await feed.start(["okx:BTC/USDT"], (e) => events.push(e));
    assert.deepEqual(await feed.filters("okx:BTC/USDT"), {
      tickSize: 0.1,
      stepSize: 1e-8,
      minNotional: 0,
      base: "BTC",
      quote: "USDT",
    });
    const fees = await feed.fees("okx:BTC/USDT");
    assert.ok(fees && fees.maker > 0 && fees.taker >= fees.maker, JSON.stringify(fees));
    await assert.rejects(() => feed.filters("bybit:BTC/USDT"), RangeError);
    const candles = await feed.history("okx:BTC/USDT", "1m", 5);
    assert.ok(candles.length >= 4 && candles.length <= 5, `${candles.length} closed candles`);
    assert.ok(candles.every((c, i) => i === 0 || c.openTime === candles[i - 1].openTime + 60_000));
    assert.ok(candles.at(-1)!.closeTime < Date.now(), "the forming candle is left out");
    assert.equal(candles.at(-1)!.symbol, "OKX:BTC/USDT");
    assert.equal(candles.at(-1)!.close - candles.at(-1)!.open, 0.5);
    assert.equal(await feed.filters("okx:DOGE/USDT"), undefined);

    await fake.waitForSubscription("BTC-USDT");
    await fake.waitForSubscription("BTC-USDT", "tickers");
    await fake.waitForSubscription("BTC-USDT", "books");
    assert.deepEqual(fake.requests.toSorted(), [
      "subscribe books BTC-USDT",
      "subscribe tickers BTC-USDT",
      "subscribe trades BTC-USDT",
    ]);
    fake.book("BTC-USDT", "snapshot", { seqId: 10, prevSeqId: -1 }, [[99, 1], [98, 2]], [
      [101, 1],
      [102, 3],
    ]);
    await eventually(() => books.length >= 1 || undefined, { what: "the OKX book snapshot" });
    fake.book("BTC-USDT", "update", { seqId: 11, prevSeqId: 10 }, [[99, 0], [98.5, 4]], [[101, 2]]);
    const updated = await eventually(() => books.find((b) => b.updateId === 11), {
      what: "the OKX book after an update",
    });
    assert.equal(updated.symbol, "OKX:BTC/USDT");
    assert.deepEqual(updated.bids, [[98.5, 4], [98, 2]]);
    assert.deepEqual(updated.asks, [[101, 2], [102, 3]]);
    const now = Date.now();
    fake.trades("BTC-USDT", [{ id: 7, px: 100.5, sz: 0.1, ts: now }]);
    fake.trades("BTC-USDT", [{ id: 7, px: 100.5, sz: 0.1, ts: now }, {
      id: 8,
      px: 100.6,
      sz: 0.2,
      ts: now + 1,
    }]);
    await eventually(() => events.length >= 1 || undefined, { what: "the first OKX trade" });
    // The library resolves a watch with the next message: updates that came between two watches
    // (here the second message) are delivered with the following one.
    fake.trades("BTC-USDT", [{ id: 9, px: 100.7, sz: 0.3, ts: now + 2 }]);
    await eventually(() => events.length === 3 || undefined, { what: "three OKX trades" });
    assert.deepEqual(events[0], {
      type: "trade",
      symbol: "OKX:BTC/USDT",
      id: 7,
      price: 100.5,
      qty: 0.1,
      time: now,
      buyerMaker: false,
    });
    assert.deepEqual(events.map((e) => e.type === "trade" && e.id), [7, 8, 9]);
    // A ticker is state: the library hands over the latest one when a watch is waiting.
    fake.ticker("BTC-USDT", { bid: 100.4, ask: 100.8, last: 100.6, ts: now + 3 });
    await eventually(() => events.some((e) => e.type === "quote") || undefined, {
      what: "the first OKX ticker as a quote",
    });
    fake.ticker("BTC-USDT", { bid: 100.5, ask: 100.6, last: 100.6, ts: now + 5 });
    const quote = await eventually(
      () => events.find((e) => e.type === "quote" && e.time === now + 5),
      { what: "the second OKX ticker as a quote" },
    );
    assert.deepEqual(quote, {
      type: "quote",
      symbol: "OKX:BTC/USDT",
      updateId: 2,
      bid: 100.5,
      bidQty: 3,
      ask: 100.6,
      askQty: 2,
      time: now + 5,
    });
    assert.equal(feed.status().dropped.duplicate, 1, "the repeated trade 7 is dropped");

    assert.equal(feed.status().name, "ccxt");

    fake.dropAll();
    const before = fake.requests.length;
    await eventually(() => fake.requests.length === before + 3 || undefined, {
      what: "the feed to subscribe again after the server dropped it",
      timeoutMs: 15_000,
    });
    await fake.waitForSubscription("BTC-USDT");
    fake.trades("BTC-USDT", [{ id: 10, px: 100.7, sz: 0.3, ts: Date.now() }]);
    await eventually(() => events.some((e) => e.type === "trade" && e.id === 10) || undefined, {
      what: "a trade after reconnecting",
    });
    assert.ok(feed.status().reconnects >= 1);
    assert.equal(feed.status().connected, true);
  } finally {
    await feed.close();
    await fake.close();
  }
});
