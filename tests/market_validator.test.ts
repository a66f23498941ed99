import assert from "node:assert/strict";
import fc from "fast-check";
import {
  EventValidator,
  invalidEvent,
  RecordingValidator,
  type TimeBounds,
  type ValidationReason,
} from "../engine/core/market/mod.ts";
import type { Candle, MarketEvent, Quote, Trade } from "../engine/core/types.ts";
import { tradeOf } from "./support/trades.ts";

const T = Date.UTC(2026, 0, 1, 12);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function trade(id: number, time: number, fields: Partial<Trade> = {}): Trade {
  return tradeOf({ id, time, ...fields });
}

function quote(updateId: number, time: number, fields: Partial<Quote> = {}): Quote {
  const base = { bid: 99, bidQty: 1, ask: 101, askQty: 1 };
  return { type: "quote", symbol: "BTCUSDT", updateId, time, ...base, ...fields };
}

function candle(openTime: number, fields: Partial<Candle> = {}): Candle {
  return {
    type: "candle",
    symbol: "BTCUSDT",
    timeframe: "1m",
    openTime,
    closeTime: openTime + 59_999,
    open: 100,
    high: 102,
    low: 99,
    close: 101,
    volume: 5,
    closed: true,
    ...fields,
  };
}

/** Runs a recorded stream through a RecordingValidator. */
function replay(events: readonly MarketEvent[], bounds?: Partial<TimeBounds>) {
  const accepted: MarketEvent[] = [];
  const dropped: { reason: ValidationReason; event: MarketEvent }[] = [];
  const validator = new RecordingValidator({
    bounds,
    accept: (event) => accepted.push(event),
    drop: (reason, event) => dropped.push({ reason, event }),
  });
  for (const event of events) validator.push(event);
  validator.end();
  return {
    accepted,
    dropped: dropped.map((d) => d.reason),
    droppedEvents: dropped.map((d) => d.event),
  };
}

/** Trades 1 s apart from `start`, ids 10, 20, … from `firstId`. */
function trades(count: number, start: number, firstId = 10): Trade[] {
  return Array.from({ length: count }, (_, i) => trade(firstId + 10 * i, start + 1000 * i));
}

Deno.test("invalidEvent: each broken invariant has its reason; valid events pass", () => {
  const table: [string, MarketEvent, string | undefined][] = [
    ["trade", trade(1, T), undefined],
    ["trade NaN price", trade(1, T, { price: NaN }), "invalid_number"],
    ["trade infinite qty", trade(1, T, { qty: Infinity }), "invalid_number"],
    ["trade NaN time", trade(1, NaN), "invalid_number"],
    ["trade fractional id", trade(1.5, T), "invalid_number"],
    ["trade zero price", trade(1, T, { price: 0 }), "non_positive"],
    ["trade negative qty", trade(1, T, { qty: -1 }), "non_positive"],
    ["trade zero qty", trade(1, T, { qty: 0 }), "non_positive"],
    ["quote", quote(1, T), undefined],
    ["quote locked (bid = ask)", quote(1, T, { bid: 100, ask: 100 }), undefined],
    ["quote empty side (qty 0)", quote(1, T, { bidQty: 0 }), undefined],
    ["quote crossed", quote(1, T, { bid: 102, ask: 101 }), "crossed_quote"],
    ["quote NaN ask", quote(1, T, { ask: NaN }), "invalid_number"],
    ["quote zero bid", quote(1, T, { bid: 0 }), "non_positive"],
    ["quote negative qty", quote(1, T, { askQty: -1 }), "non_positive"],
    ["candle", candle(T), undefined],
    [
      "candle high < low",
      candle(T, { high: 98, low: 99, open: 98.5, close: 98.5 }),
      "candle_range",
    ],
    ["candle open above high", candle(T, { open: 103 }), "candle_range"],
    ["candle close below low", candle(T, { close: 98 }), "candle_range"],
    ["candle zero low", candle(T, { low: 0 }), "non_positive"],
    ["candle negative volume", candle(T, { volume: -1 }), "non_positive"],
    ["candle zero volume", candle(T, { volume: 0 }), undefined],
    ["candle NaN high", candle(T, { high: NaN }), "invalid_number"],
    ["candle closes before it opens", candle(T, { closeTime: T - 1 }), "candle_time"],
    ["candle spans 2 min as 1m", candle(T, { closeTime: T + 119_999 }), "candle_time"],
    ["candle close time exclusive", candle(T, { closeTime: T + 60_000 }), "candle_time"],
    [
      "1d candle",
      candle(T, { timeframe: "1d", closeTime: T + DAY - 1 }),
      undefined,
    ],
  ];
  for (const [name, event, reason] of table) assert.equal(invalidEvent(event), reason, name);
});

Deno.test("live: times are bounded by the wall clock and by the previous trade", () => {
  const v = new EventValidator();
  assert.equal(v.check(trade(1, 8.7e15), T), "time_future");
  assert.equal(v.check(trade(2, T + 61_000), T), "time_future");
  assert.equal(v.check(trade(3, T - HOUR), T), "time_past");
  assert.equal(v.check(trade(4, T - 301_000), T), "time_past");
  assert.equal(v.check(trade(5, T - 10_000), T), undefined, "10 s late is a live trade");
  assert.equal(v.check(trade(6, T), T), undefined);
  assert.equal(v.check(trade(7, T - 6_000), T), "time_backwards", "6 s before the previous trade");
  assert.equal(v.check(trade(8, T - 4_000), T), undefined, "within 5 s of the previous trade");
  // A quote far ahead counts as fresh forever: bounded; an old one is merely stale: passes.
  assert.equal(v.check(quote(1, T + 120_000), T), "time_future");
  assert.equal(v.check(quote(2, T - HOUR), T), undefined);
  // Candles: a forming one opened before now; a closed one ended before now.
  assert.equal(v.check(candle(T - 30_000, { closed: false }), T), undefined);
  assert.equal(v.check(candle(T + 120_000, { closed: false }), T), "time_future");
  assert.equal(v.check(candle(T + 30_000), T), "time_future", "closed 90 s from now");
  assert.equal(v.check(candle(T - 2 * HOUR), T), "time_past");
});

Deno.test("live: an early stamp within bounds does not make the following trades look late", () => {
  const v = new EventValidator();
  assert.equal(v.check(trade(1, T + 50_000), T), undefined);
  assert.equal(v.check(trade(2, T), T), undefined);
  assert.equal(v.check(trade(3, T + 100), T + 100), undefined);
});

Deno.test("validator: ids, gaps, forgetting a symbol and custom bounds", () => {
  const gaps: [string, number, number][] = [];
  const v = new EventValidator({
    bounds: { maxFutureMs: 1000, maxPastMs: 2000 },
    onGap: (...gap) => gaps.push(gap),
  });
  assert.equal(v.check(trade(10, T), T), undefined);
  assert.equal(v.check(trade(10, T), T), "duplicate");
  assert.equal(v.check(trade(9, T), T), "out_of_order");
  assert.equal(v.check(trade(14, T), T), undefined);
  assert.deepEqual(gaps, [["BTCUSDT", 11, 13]]);
  assert.equal(v.check(quote(5, T), T), undefined);
  assert.equal(v.check(quote(5, T), T), "duplicate");
  assert.equal(v.check(quote(4, T), T), "out_of_order");
  assert.equal(v.check(trade(15, T + 1500), T), "time_future");
  assert.equal(v.check(trade(15, T - 2500), T), "time_past");
  assert.equal(v.clock("BTCUSDT"), T);
  v.forget("BTCUSDT");
  assert.equal(v.clock("BTCUSDT"), -Infinity);
  assert.equal(v.check(trade(1, T), T), undefined, "ids start over after forgetting");
});

Deno.test("recording: a trade stamped far ahead mid-stream is dropped, not taken as the clock", () => {
  const clean = trades(10, T);
  const outlier = trade(55, 8.7e15);
  const { accepted, dropped } = replay([...clean.slice(0, 5), outlier, ...clean.slice(5)]);
  assert.deepEqual(accepted, clean);
  assert.deepEqual(dropped, ["time_jump"]);
});

Deno.test("recording: outliers first, second and last are dropped; a trade an hour back too", () => {
  const clean = trades(6, T);
  const far = (id: number) => trade(id, 8.7e15);
  for (
    const [name, events, reason] of [
      ["first", [far(5), ...clean], "time_jump"],
      ["second", [clean[0], far(15), ...clean.slice(1)], "time_jump"],
      ["last", [...clean, far(70)], "time_jump"],
      [
        "an hour back",
        [...clean.slice(0, 3), trade(35, T - HOUR), ...clean.slice(3)],
        "time_backwards",
      ],
      ["first, an hour back", [trade(5, T - 2 * HOUR), ...clean], "time_jump"],
    ] as const
  ) {
    const out = replay(events);
    assert.deepEqual(out.accepted, clean, name);
    assert.deepEqual(out.dropped, [reason], name);
  }
});

Deno.test("recording: real gaps pass (hours, days, a missing daily candle)", () => {
  const hours = [...trades(3, T), ...trades(3, T + 5 * HOUR, 100)];
  assert.deepEqual(replay(hours), { accepted: hours, dropped: [], droppedEvents: [] });
  const days = [...trades(3, T), ...trades(3, T + 3 * DAY, 100), ...trades(3, T + 9 * DAY, 200)];
  assert.deepEqual(replay(days).accepted, days);
  const daily = [0, 1, 3, 4].map((d) =>
    candle(T + d * DAY, { timeframe: "1d", closeTime: T + (d + 1) * DAY - 1 })
  );
  assert.deepEqual(replay(daily).accepted, daily);
  const only = [trade(1, T)];
  assert.deepEqual(replay(only).accepted, only, "a symbol's only trade");
  const maxGap = replay(hours, { maxGapMs: 6 * HOUR });
  assert.deepEqual(maxGap.accepted, hours, "within a larger maximum gap nothing is held");
});

Deno.test("recording: a jump at the very end has no confirmation and is dropped", () => {
  const clean = trades(5, T);
  const late = trade(100, T + 5 * HOUR);
  assert.deepEqual(replay([...clean, late]).dropped, ["time_jump"]);
});

Deno.test("recording: quotes wait behind a held trade and keep their order; they never confirm it", () => {
  const t1 = trade(10, T);
  const q1 = quote(1, T);
  const t2 = trade(20, T + 1000);
  const q2 = quote(2, T + 1000);
  assert.deepEqual(replay([t1, q1, t2, q2]).accepted, [t1, q1, t2, q2]);

  // A quote borrowing the outlier's time cannot vouch for it, and goes with it.
  const far = trade(25, 8.7e15);
  const borrowed = quote(3, 8.7e15);
  const t3 = trade(30, T + 2000);
  const out = replay([t1, q1, t2, far, borrowed, t3]);
  assert.deepEqual(out.accepted, [t1, q1, t2, t3]);
  assert.deepEqual(out.dropped, ["time_jump", "time_jump"]);

  // Other symbols flow on while one symbol's first trade waits for its second.
  const eth = (id: number, time: number) => ({ ...trade(id, time), symbol: "ETHUSDT" });
  const mixed = replay([t1, eth(1, T), eth(2, T + 1), t2]);
  assert.deepEqual(mixed.accepted, [eth(1, T), eth(2, T + 1), t1, t2]);
});

Deno.test("recording: malformed and duplicate events are dropped as live ones are", () => {
  const clean = trades(4, T);
  const out = replay([
    clean[0],
    clean[1],
    trade(25, T + 1500, { price: NaN }),
    trade(26, T + 1500, { price: 0 }),
    clean[1],
    trade(15, T + 1500),
    quote(1, T + 1500, { bid: 102 }),
    candle(T, { high: 98 }),
    candle(T, { closeTime: T - 1 }),
    clean[2],
    clean[3],
  ]);
  assert.deepEqual(out.accepted, clean);
  assert.deepEqual(out.dropped.sort(), [
    "candle_range",
    "candle_time",
    "crossed_quote",
    "duplicate",
    "invalid_number",
    "non_positive",
    "out_of_order",
  ]);
});

Deno.test("recording (property): one outlier anywhere is the only event dropped", () => {
  const segment = fc.record({
    gap: fc.integer({ min: 2 * HOUR, max: 30 * DAY }),
    steps: fc.array(fc.integer({ min: 0, max: 30_000 }), { minLength: 2, maxLength: 8 }),
  });
  fc.assert(
    fc.property(
      fc.array(segment, { minLength: 1, maxLength: 4 }),
      fc.boolean(),
      fc.integer({ min: 2 * DAY, max: 1e15 }),
      fc.nat(),
      (segments, ahead, offset, at) => {
        const clean: Trade[] = [];
        const segmentStarts = new Set<number>();
        let time = T;
        segments.forEach(({ gap, steps }, s) => {
          if (s > 0) {
            time += gap;
            segmentStarts.add(clean.length);
          }
          clean.push(trade(10 * (clean.length + 1), time));
          for (const step of steps) clean.push(trade(10 * (clean.length + 1), time += step));
        });
        // Three events cannot tell an outlier right after a gap's first event from a second gap.
        const positions = Array.from({ length: clean.length + 1 }, (_, i) => i)
          .filter((i) => !segmentStarts.has(i - 1));
        const p = positions[at % positions.length];
        const outlierTime = ahead ? time + offset : T - offset;
        const outlier = trade(p === 0 ? 5 : clean[p - 1].id + 5, outlierTime);
        const out = replay([...clean.slice(0, p), outlier, ...clean.slice(p)]);
        assert.deepEqual(out.accepted, clean);
        assert.deepEqual(out.droppedEvents, [outlier]);
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("recording (property): trades pushed as columns pass and drop exactly as pushed one by one, id gaps heard in between (as objects, one reused object or runs of rows)", () => {
  const row = fc.record({
    id: fc.oneof(fc.integer({ min: -2, max: 3 }), fc.constant(0.5)),
    dt: fc.oneof(
      fc.integer({ min: -10_000, max: 2_000 }),
      fc.constant(2 * HOUR),
      fc.constant(-2 * HOUR),
      fc.constant(NaN),
    ),
    price: fc.oneof(fc.constant(100), fc.constant(101.5), fc.constant(0), fc.constant(NaN)),
    maker: fc.boolean(),
  });
  fc.assert(
    fc.property(
      fc.array(fc.array(row, { maxLength: 30 }), { maxLength: 8 }),
      fc.constantFrom("objects", "reused", "runs"),
      (batches, mode) => {
        const copy = (e: MarketEvent) => ({ ...e });
        const expected: unknown[] = [];
        const one = new RecordingValidator({
          onGap: (_, from, to) => expected.push({ gap: [from, to] }),
          accept: (e) => expected.push(copy(e)),
          drop: (reason, e) => expected.push({ reason, ...e }),
        });
        const actual: unknown[] = [];
        const columns = new RecordingValidator({
          onGap: (_, from, to) => actual.push({ gap: [from, to] }),
          reuseTrades: mode === "reused",
          // Runs of rows accepted at once, as objects of their own to compare.
          acceptTrades: mode !== "runs" ? undefined : (c, start, end) => {
            for (let i = start; i < end; i++) {
              actual.push(
                trade(c.id[i], c.time[i], { price: c.price[i], buyerMaker: c.buyerMaker[i] === 1 }),
              );
            }
          },
          accept: (e) => actual.push(copy(e)),
          drop: (reason, e) => actual.push({ reason, ...e }),
        });
        let id = 0, time = T;
        for (const [b, rows] of batches.entries()) {
          const n = rows.length;
          const batch = {
            symbol: "BTCUSDT",
            id: new Float64Array(n),
            price: new Float64Array(n),
            qty: new Float64Array(n).fill(1),
            time: new Float64Array(n),
            buyerMaker: new Uint8Array(n),
            count: n,
          };
          for (const [i, r] of rows.entries()) {
            id += r.id;
            time += Number.isNaN(r.dt) ? 0 : r.dt;
            batch.id[i] = id;
            batch.price[i] = r.price;
            batch.time[i] = Number.isNaN(r.dt) ? NaN : time;
            batch.buyerMaker[i] = r.maker ? 1 : 0;
            one.push(trade(id, batch.time[i], { price: r.price, buyerMaker: r.maker }));
          }
          columns.pushTrades(batch);
          if (b % 3 === 2) {
            const q = quote(b, time);
            one.push(q);
            columns.push(q);
          }
        }
        one.end();
        columns.end();
        assert.deepEqual(actual, expected);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("recording: an id gap inside a batch is heard after the rows before it and before its own", () => {
  const heard: string[] = [];
  const validator = new RecordingValidator({
    onGap: (_, from, to) => heard.push(`gap ${from}-${to}`),
    acceptTrades: (c, start, end) => {
      for (let i = start; i < end; i++) heard.push(`trade ${c.id[i]}`);
    },
    accept: (e) => heard.push(`event ${e.type}`),
    drop: (reason) => heard.push(reason),
  });
  const ids = [1, 2, 3, 4, 6, 7];
  validator.pushTrades({
    symbol: "BTCUSDT",
    id: new Float64Array(ids),
    price: new Float64Array(ids.length).fill(100),
    qty: new Float64Array(ids.length).fill(1),
    time: new Float64Array(ids.map((id) => T + id)),
    buyerMaker: new Uint8Array(ids.length),
    count: ids.length,
  });
  validator.end();
  assert.deepEqual(heard, [
    ...["event trade", "event trade", "trade 3", "trade 4"],
    ...["gap 5-5", "trade 6", "trade 7"],
  ]);
});
