/**
 * The time merge of a portfolio worker: batches of several symbols arriving
 * in any order come out in one time order (ties in symbol order), a quiet
 * symbol holds the others back only for the hold, and batches are reported
 * done only once all their events went on.
 */
import assert from "node:assert/strict";
import { TimeMerge } from "../engine/runtime/market/time_merge.ts";
import type { BusEvent } from "../engine/runtime/market/bus.ts";

function trade(symbol: string, time: number): BusEvent {
  return { type: "trade", symbol, time, price: 1, qty: 1, id: time, buyerMaker: false };
}

function setup(holdMs = 100) {
  const out: string[] = [];
  const done: string[] = [];
  const merge = new TimeMerge({
    symbols: ["AAA", "BBB"],
    holdMs,
    onEvent: (e) => out.push(`${e.symbol}@${(e as { time: number }).time}`),
    onBatchDone: (symbol, seq) => done.push(`${symbol}#${seq}`),
  });
  return { merge, out, done };
}

Deno.test("batches of two symbols arriving one after the other come out in time order, ties in symbol order", () => {
  const { merge, out, done } = setup();
  merge.push("BBB", [trade("BBB", 10), trade("BBB", 20), trade("BBB", 40)], 1, 0);
  assert.equal(merge.drain(0), 100, "BBB waits for AAA, at most the hold");
  assert.deepEqual(out, []);
  merge.push("AAA", [trade("AAA", 5), trade("AAA", 20), trade("AAA", 30)], 1, 1);
  merge.drain(1);
  // BBB@40 waits: AAA may still send something at 30..40.
  assert.deepEqual(out, ["AAA@5", "BBB@10", "AAA@20", "BBB@20", "AAA@30"]);
  assert.deepEqual(done, ["AAA#1"], "BBB's batch is not done while BBB@40 is held");
  merge.push("AAA", [trade("AAA", 40)], 2, 2);
  merge.drain(2);
  // Another AAA trade at 40 would still go first: BBB@40 waits for the hold.
  assert.deepEqual(out.slice(5), ["AAA@40"]);
  assert.equal(merge.drain(50), 50);
  merge.drain(100);
  assert.deepEqual(out.slice(5), ["AAA@40", "BBB@40"]);
  assert.deepEqual(done, ["AAA#1", "AAA#2", "BBB#1"]);
});

Deno.test("a quiet symbol holds the others back only for the hold", () => {
  const { merge, out, done } = setup(100);
  merge.push("AAA", [trade("AAA", 5)], 1, 1_000);
  assert.equal(merge.drain(1_040), 60);
  assert.deepEqual(out, []);
  assert.equal(merge.drain(1_100), undefined, "nothing held any more");
  assert.deepEqual(out, ["AAA@5"]);
  assert.deepEqual(done, ["AAA#1"]);
  // BBB has already gone past 7: AAA@7 need not wait for it.
  merge.push("BBB", [trade("BBB", 9)], 1, 1_200);
  merge.drain(1_300);
  merge.push("AAA", [trade("AAA", 7)], 2, 1_301);
  assert.equal(merge.drain(1_301), undefined);
  assert.deepEqual(out, ["AAA@5", "BBB@9", "AAA@7"]);
});

Deno.test("an empty batch (lost batches given up) is done in its place in the symbol's order", () => {
  const { merge, done } = setup();
  merge.push("AAA", [trade("AAA", 5)], 1, 0);
  merge.push("AAA", [], 3, 0);
  merge.push("BBB", [trade("BBB", 6)], 1, 0);
  merge.drain(0);
  assert.deepEqual(done, ["AAA#1", "AAA#3"]);
});
