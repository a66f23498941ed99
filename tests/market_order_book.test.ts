/** The core's L2 order book: snapshot, sequenced diffs, gaps and crossed books. */
import assert from "node:assert/strict";
import { OrderBook } from "../engine/core/market/order_book.ts";

function loaded(): OrderBook {
  const book = new OrderBook();
  assert.ok(book.load({
    lastUpdateId: 100,
    bids: [[99, 1], [98, 2], [97, 3]],
    asks: [[101, 1], [100, 4], [102, 2]],
  }));
  return book;
}

Deno.test("a snapshot is sorted: bids descending, asks ascending, cut to the depth", () => {
  const book = loaded();
  assert.deepEqual(book.levels(2), { bids: [[99, 1], [98, 2]], asks: [[100, 4], [101, 1]] });
  assert.equal(book.lastUpdateId, 100);
});

Deno.test("diffs add, change and remove levels (quantity 0 removes)", () => {
  const book = loaded();
  assert.equal(
    book.apply({ firstId: 95, finalId: 101, bids: [[99, 0], [98.5, 5]], asks: [[100, 2]] }),
    "applied",
  );
  assert.equal(book.apply({ firstId: 102, finalId: 104, bids: [], asks: [[100, 0]] }), "applied");
  assert.deepEqual(book.levels(5), {
    bids: [[98.5, 5], [98, 2], [97, 3]],
    asks: [[101, 1], [102, 2]],
  });
  assert.equal(book.lastUpdateId, 104);
  // Removing a level that is not there changes nothing.
  assert.equal(book.apply({ firstId: 105, finalId: 105, bids: [[50, 0]], asks: [] }), "applied");
  assert.equal(book.levels(5).bids.length, 3);
});

Deno.test("diffs covered by the snapshot are stale and dropped", () => {
  const book = loaded();
  assert.equal(book.apply({ firstId: 90, finalId: 100, bids: [[99, 7]], asks: [] }), "stale");
  assert.deepEqual(book.levels(1).bids, [[99, 1]]);
  assert.ok(book.synced);
});

Deno.test("a gap in the update ids marks the book out of sync until a new snapshot", () => {
  const book = loaded();
  assert.equal(book.apply({ firstId: 103, finalId: 104, bids: [], asks: [] }), "gap");
  assert.equal(book.synced, false);
  assert.deepEqual(book.levels(5), { bids: [], asks: [] });
  assert.equal(book.apply({ firstId: 105, finalId: 106, bids: [], asks: [] }), "unsynced");
  assert.ok(book.load({ lastUpdateId: 200, bids: [[99, 1]], asks: [[100, 1]] }));
  assert.equal(book.apply({ firstId: 201, finalId: 201, bids: [[99, 2]], asks: [] }), "applied");
  assert.deepEqual(book.levels(1), { bids: [[99, 2]], asks: [[100, 1]] });
});

Deno.test("a crossed book is refused: as a snapshot, and as the result of a diff", () => {
  const book = new OrderBook();
  assert.equal(book.load({ lastUpdateId: 1, bids: [[101, 1]], asks: [[100, 1]] }), false);
  assert.equal(book.synced, false);
  assert.equal(book.load({ lastUpdateId: 1, bids: [[NaN, 1]], asks: [[100, 1]] }), false);
  const live = loaded();
  assert.equal(live.apply({ firstId: 101, finalId: 101, bids: [[100.5, 1]], asks: [] }), "crossed");
  assert.equal(live.synced, false);
  assert.deepEqual(live.levels(1), { bids: [], asks: [] });
});
