import assert from "node:assert/strict";
import type { Candle, MarketEvent, Quote, Trade } from "../engine/core/types.ts";
import { EventTape } from "../engine/runtime/backtest/event_tape.ts";

const trade = (i: number): Trade => ({
  type: "trade",
  symbol: "BTCUSDT",
  id: i + 1,
  price: 93000 + i * 0.01,
  qty: 0.001 * (i % 7 + 1),
  time: 1735689600000 + i * 250,
  buyerMaker: i % 3 === 0,
});
const candle = (openTime: number): Candle => ({
  type: "candle",
  symbol: "BTCUSDT",
  timeframe: "1m",
  openTime,
  closeTime: openTime + 59_999,
  open: 1,
  high: 2,
  low: 0.5,
  close: 1.5,
  volume: 3,
  closed: true,
});
const quote = (time: number): Quote => ({
  type: "quote",
  symbol: "BTCUSDT",
  updateId: time,
  bid: 1,
  bidQty: 1,
  ask: 2,
  askQty: 1,
  time,
});

/** Every event a tape replays, trades as objects of their own. */
function replayed(tape: EventTape): MarketEvent[] {
  const out: MarketEvent[] = [];
  tape.replay({
    trades: (c, start, end) => {
      for (let i = start; i < end; i++) {
        out.push({
          type: "trade",
          symbol: c.symbol,
          id: c.id[i],
          price: c.price[i],
          qty: c.qty[i],
          time: c.time[i],
          buyerMaker: c.buyerMaker[i] === 1,
        });
      }
    },
    event: (event) => out.push(event),
  });
  return out;
}

Deno.test("event tape: replays every event in order, equal field by field, after growing and trimming", () => {
  const events: MarketEvent[] = [candle(1735689540000)];
  for (let i = 0; i < 10_000; i++) {
    events.push(trade(i));
    if (i % 997 === 0) events.push(quote(1735689600000 + i * 250));
  }
  events.push(candle(1735692000000));
  const tape = new EventTape();
  for (const event of events) tape.add(event);
  tape.trim();
  assert.equal(tape.length, events.length);
  assert.equal(tape.trades, 10_000);
  assert.equal(tape.tradeBytes, 33 * 10_000, "33 bytes a trade once trimmed");
  assert.deepEqual(replayed(tape), events);
  assert.deepEqual(tape.ends(), { first: events[0], last: events.at(-1) });
});

Deno.test("event tape: runs of rows of trade batches make the tape that trades added one by one make", () => {
  const events: MarketEvent[] = [candle(1735689540000)];
  for (let i = 0; i < 10_000; i++) {
    events.push(trade(i));
    if (i % 997 === 0) events.push(quote(1735689600000 + i * 250));
  }
  const one = new EventTape();
  for (const event of events) one.add(event);
  // The same events, the trades as runs of rows of batches of 3,000 (runs cross batch ends).
  const runs = new EventTape();
  const batch = {
    symbol: "BTCUSDT",
    id: new Float64Array(3_000),
    price: new Float64Array(3_000),
    qty: new Float64Array(3_000),
    time: new Float64Array(3_000),
    buyerMaker: new Uint8Array(3_000),
    count: 0,
  };
  let start = 0;
  const flush = () => {
    runs.addTrades(batch, start, batch.count);
    start = batch.count;
  };
  for (const event of events) {
    if (event.type !== "trade") {
      flush();
      runs.add(event);
      continue;
    }
    if (batch.count === 3_000) {
      flush();
      batch.count = start = 0;
    }
    const row = batch.count++;
    batch.id[row] = event.id;
    batch.price[row] = event.price;
    batch.qty[row] = event.qty;
    batch.time[row] = event.time;
    batch.buyerMaker[row] = event.buyerMaker ? 1 : 0;
  }
  flush();
  assert.equal(runs.trades, 10_000);
  assert.deepEqual(replayed(runs), events);
  runs.trim();
  assert.deepEqual(replayed(runs), replayed(one));
  assert.throws(() => runs.addTrades({ ...batch, symbol: "ETHUSDT" }, 0, 1), /ETHUSDT/);
});

Deno.test("event tape: the ends of a tape of trades only, and one symbol per tape", () => {
  const tape = new EventTape();
  assert.equal(tape.ends(), undefined);
  tape.add(trade(0));
  tape.add(trade(1));
  assert.deepEqual(tape.ends(), { first: trade(0), last: trade(1) });
  assert.throws(() => tape.add({ ...trade(2), symbol: "ETHUSDT" }), /ETHUSDT/);
});

Deno.test("event tape: a shared tape replays the same events over the same memory, not a copy", () => {
  const events: MarketEvent[] = [candle(1735689540000)];
  for (let i = 0; i < 1_000; i++) events.push(trade(i));
  events.push(quote(1735690000000));
  const tape = new EventTape();
  for (const event of events) tape.add(event);
  const shared = tape.share();
  assert.ok(shared.buffer instanceof SharedArrayBuffer);
  assert.equal(shared.buffer.byteLength, 33 * 1_000);
  // As a worker receives it: the buffer is shared, the other events are cloned.
  const other = EventTape.from(structuredClone(shared));
  assert.deepEqual(replayed(other), events);
  new Float64Array(shared.buffer, 0, 1)[0] = 42; // the first trade's id, written once
  assert.equal((replayed(other)[1] as Trade).id, 42, "the worker's tape sees the same memory");
  assert.equal((replayed(tape)[1] as Trade).id, 42);
});
