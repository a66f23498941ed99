/**
 * Binance depth: the feed follows each symbol's L2 book from `depth@100ms`
 * diffs and REST snapshots (Binance's documented procedure), against the local
 * protocol server; a gap resynchronises from a new snapshot.
 */
import assert from "node:assert/strict";
import { BinanceFeed } from "../engine/runtime/market/binance_feed.ts";
import { parseMessage } from "../engine/runtime/market/binance_protocol.ts";
import type { BookTop } from "../engine/core/types.ts";
import { startFakeBinance } from "./support/fake_binance.ts";
import { eventually } from "./support/wait.ts";

Deno.test("parse: a depthUpdate becomes a diff; a malformed one is dropped", () => {
  const parsed = parseMessage(JSON.stringify({
    stream: "btcusdt@depth@100ms",
    data: { e: "depthUpdate", E: 5, s: "BTCUSDT", U: 10, u: 12, b: [["99.5", "2"]], a: [] },
  }));
  assert.deepEqual(parsed, {
    kind: "depth",
    symbol: "BTCUSDT",
    time: 5,
    diff: { firstId: 10, finalId: 12, bids: [[99.5, 2]], asks: [] },
  });
  const broken = parseMessage(JSON.stringify({ e: "depthUpdate", s: "BTCUSDT", U: 3, u: 2 }));
  assert.deepEqual(broken, { kind: "dropped", reason: "unknown_message" });
});

Deno.test("binance depth: snapshot plus diffs build the book; a gap resynchronises", async () => {
  const fake = await startFakeBinance();
  const feed = new BinanceFeed({
    wsUrl: fake.wsUrl,
    restUrl: fake.restUrl,
    depth: true,
    depthRetryMs: 0,
  });
  const books: BookTop[] = [];
  feed.books((book) => books.push(book));
  fake.setBook("BTCUSDT", 100, [[99, 1], [98, 2]], [[101, 1], [102, 3]]);
  try {
    await feed.start(["BTCUSDT"], () => {});
    const connection = await fake.waitForConnection(1);
    assert.ok(connection.initialStreams.includes("btcusdt@depth@100ms"));
    fake.depth("BTCUSDT", { first: 101, final: 102 }, [[99, 0], [98.5, 4]], [[101, 2]]);
    fake.depth("BTCUSDT", { first: 103, final: 103 }, [], [[100.5, 1]]);
    const synced = await eventually(
      () => books.find((b) => b.updateId === 103),
      { what: "the book at update 103", timeoutMs: 10_000 },
    );
    assert.deepEqual(synced.bids, [[98.5, 4], [98, 2]]);
    assert.deepEqual(synced.asks, [[100.5, 1], [101, 2], [102, 3]]);
    assert.equal(synced.symbol, "BTCUSDT");
    assert.equal(feed.status().book_syncs, 1);

    // Updates 104–105 never arrive: the next diff is a gap, and a new snapshot repairs the book.
    fake.setBook("BTCUSDT", 106, [[97, 5]], [[100, 1]]);
    fake.depth("BTCUSDT", { first: 107, final: 107 }, [[97.5, 1]], []);
    const repaired = await eventually(
      () => books.find((b) => b.updateId === 107),
      { what: "the resynchronised book at update 107", timeoutMs: 10_000 },
    );
    assert.deepEqual(repaired.bids, [[97.5, 1], [97, 5]]);
    assert.deepEqual(repaired.asks, [[100, 1]]);
    assert.equal(feed.status().dropped.book_gap, 1);
    assert.equal(feed.status().book_syncs, 2);
    assert.deepEqual(fake.depthRequests, ["BTCUSDT", "BTCUSDT"]);
  } finally {
    await feed.close();
    await fake.close();
  }
});
