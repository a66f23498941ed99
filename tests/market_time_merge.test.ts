/**
 * The time merge of a portfolio worker, fed from a real hub's rings on a
 * clock the test sets: batches of several symbols arriving in any order come
 * out in one time order (ties in symbol order), a quiet symbol holds the
 * others back for the hold, batches are reported done only once all their
 * events went on, and an event past its hold still waits while the hub has
 * not published everything it took before it (its thread ran late between a
 * full batch and the end of its turn), or this worker has not yet taken it;
 * a stalled hub holds it only up to the stall bound.
 */
import assert from "node:assert/strict";
import { TimeMerge } from "../engine/runtime/market/time_merge.ts";
import { MarketHub } from "../engine/runtime/market/hub.ts";
import { SimFeed } from "../engine/runtime/market/sim_feed.ts";
import { BusRingReader } from "../engine/runtime/market/bus_ring.ts";
import type { Trade } from "../engine/core/types.ts";

const SYMBOLS = ["AAA", "BBB"];

function trade(symbol: string, time: number): Trade {
  return { type: "trade", symbol, time, price: 1, qty: 1, id: time, buyerMaker: false };
}

/** A hub publishing AAA and BBB, and a merge of them as a portfolio worker runs it. */
function setup({ holdMs = 100, stallMs = 1_000, batchMax = 500 } = {}) {
  const hub = new MarketHub(new SimFeed(), { warmup: false, batchMax });
  const rings = Object.fromEntries(SYMBOLS.map((s) => [s, hub.ring(s)]));
  const out: string[] = [];
  const done: string[] = [];
  const merge = new TimeMerge({
    symbols: SYMBOLS,
    holdMs,
    stallMs,
    rings,
    startAfter: { AAA: 0, BBB: 0 },
    onEvent: (e) => out.push(`${e.symbol}@${(e as Trade).time}`),
    onBatchDone: (symbol, seq) => done.push(`${symbol}#${seq}`),
  });
  const readers = SYMBOLS.map((s) => new BusRingReader(rings[s], s));
  const taken = SYMBOLS.map(() => 0);
  /** The hub takes trades (a full batch is published at once, the rest at the next flush). */
  const ingest = (...trades: [string, number][]) => {
    for (const [symbol, time] of trades) hub.ingest(trade(symbol, time));
  };
  /** The worker's reader hands the merge the batches of `symbol` published since it last looked, arriving at `now`. */
  const take = (symbol: string, now: number) => {
    const i = SYMBOLS.indexOf(symbol);
    while (taken[i] < readers[i].published()) {
      const seq = ++taken[i];
      merge.push(symbol, readers[i].read(seq)!, seq, now);
    }
  };
  /** The hub takes trades of one symbol and ends its turn; the worker takes them at `now`. */
  const publish = (symbol: string, times: number[], now: number) => {
    ingest(...times.map((t): [string, number] => [symbol, t]));
    hub.flush();
    take(symbol, now);
  };
  return { hub, merge, out, done, ingest, take, publish };
}

Deno.test("batches of two symbols arriving one after the other come out in time order, ties in symbol order", async () => {
  const { hub, merge, out, done, publish } = setup();
  publish("BBB", [10, 20, 40], 0);
  assert.equal(merge.drain(0), 100, "BBB waits for AAA, at most the hold");
  assert.deepEqual(out, []);
  publish("AAA", [5, 20, 30], 1);
  merge.drain(1);
  // BBB@40 waits: AAA may still send something at 30..40.
  assert.deepEqual(out, ["AAA@5", "BBB@10", "AAA@20", "BBB@20", "AAA@30"]);
  assert.deepEqual(done, ["AAA#1"], "BBB's batch is not done while BBB@40 is held");
  publish("AAA", [40], 2);
  merge.drain(2);
  // Another AAA trade at 40 would still go first: BBB@40 waits for the hold.
  assert.deepEqual(out.slice(5), ["AAA@40"]);
  assert.equal(merge.drain(50), 50);
  merge.drain(100);
  assert.deepEqual(out.slice(5), ["AAA@40", "BBB@40"]);
  assert.deepEqual(done, ["AAA#1", "AAA#2", "BBB#1"]);
  await hub.close();
});

Deno.test("a quiet symbol holds the others back only for the hold", async () => {
  const { hub, merge, out, done, publish } = setup({ holdMs: 100 });
  publish("AAA", [5], 1_000);
  assert.equal(merge.drain(1_040), 60);
  assert.deepEqual(out, []);
  assert.equal(merge.drain(1_100), undefined, "nothing held any more");
  assert.deepEqual(out, ["AAA@5"]);
  assert.deepEqual(done, ["AAA#1"]);
  // BBB has already gone past 7: AAA@7 need not wait for it.
  publish("BBB", [9], 1_200);
  merge.drain(1_300);
  publish("AAA", [7], 1_301);
  assert.equal(merge.drain(1_301), undefined);
  assert.deepEqual(out, ["AAA@5", "BBB@9", "AAA@7"]);
  await hub.close();
});

Deno.test("an empty batch (lost batches given up) is done in its place in the symbol's order", async () => {
  const { hub, merge, done, publish } = setup();
  publish("AAA", [5], 0);
  merge.push("AAA", [], 3, 0);
  publish("BBB", [6], 0);
  merge.drain(0);
  assert.deepEqual(done, ["AAA#1", "AAA#3"]);
  await hub.close();
});

Deno.test("a full batch published before the end of the hub's turn waits past the hold until the hub's thread finishes that turn", async () => {
  const { hub, merge, out, ingest, take } = setup({ holdMs: 100, stallMs: 5_000, batchMax: 3 });
  // AAA's batch is full at its third trade and goes at once; BBB@2 waits for the end of the turn.
  ingest(["AAA", 1], ["BBB", 2], ["AAA", 3], ["AAA", 4]);
  take("AAA", 0);
  take("BBB", 0);
  assert.equal(merge.drain(0), 100);
  // The hub's thread is descheduled far past the hold: BBB may still publish something earlier.
  assert.ok(merge.drain(100)! > 0, "AAA's batch still held after the hold");
  assert.ok(merge.drain(2_000)! > 0, "AAA's batch still held long after the hold");
  assert.deepEqual(out, []);
  hub.flush();
  take("BBB", 2_001);
  assert.equal(merge.drain(2_001), undefined);
  assert.deepEqual(out, ["AAA@1", "BBB@2", "AAA@3", "AAA@4"]);
  await hub.close();
});

Deno.test("a batch another symbol's ring shows but the worker has not taken yet holds the others past the hold", async () => {
  const { hub, merge, out, ingest, take } = setup({ holdMs: 100, batchMax: 3 });
  ingest(["AAA", 1], ["BBB", 2], ["AAA", 3], ["AAA", 4]);
  hub.flush();
  take("AAA", 0);
  assert.ok(merge.drain(100)! > 0, "AAA's batch held while BBB's published batch is not taken");
  assert.deepEqual(out, []);
  take("BBB", 150);
  merge.drain(150);
  assert.deepEqual(out, ["AAA@1", "BBB@2", "AAA@3", "AAA@4"]);
  await hub.close();
});

Deno.test("a stalled hub holds a batch only up to the stall bound", async () => {
  const { hub, merge, out, ingest, take } = setup({ holdMs: 100, stallMs: 1_000, batchMax: 3 });
  ingest(["AAA", 1], ["BBB", 2], ["AAA", 3], ["AAA", 4]);
  take("AAA", 0);
  assert.equal(merge.drain(995), 5, "the next check is at the stall bound");
  assert.deepEqual(out, []);
  assert.equal(merge.drain(1_000), undefined);
  assert.deepEqual(out, ["AAA@1", "AAA@3", "AAA@4"], "gone without the hub's end of turn");
  await hub.close();
});
