/**
 * Corrupt market data on every path that takes it in: the live exchange feed
 * (a local server speaking the exchange's protocol), the recorder, the replay
 * feed and backtests. Each corrupt input — a trade stamped far ahead, a trade
 * an hour back, a kline with high < low, a kline closing before it opens, a
 * crossed quote, NaN, ≤ 0, an out-of-order id — is dropped and counted by
 * reason, and sessions go on trading on the data that follows.
 */
import { sessionInputSchema } from "../contract/schemas.ts";
import assert from "node:assert/strict";
import { sql } from "../db/mod.ts";
import type { SessionSnapshot } from "../engine/core/session/mod.ts";
import { resolveExecutionConfig } from "../engine/core/execution/mod.ts";
import { parseStrategy, type Strategy } from "../engine/core/strategy/mod.ts";
import type { Candle, MarketEvent, Quote, Trade } from "../engine/core/types.ts";
import { runBacktest } from "../engine/runtime/backtest/run.ts";
import {
  BinanceFeed,
  readRecording,
  record,
  ReplayFeed,
  toEnvelope,
} from "../engine/runtime/market/mod.ts";
import { simStream, writeStream } from "./support/backtest_stream.ts";
import { type FakeBinance, startFakeBinance } from "./support/fake_binance.ts";
import { eventually, startTestServer } from "./support/server.ts";
import { assertSettles, until } from "./support/wait.ts";
import { tradeOf } from "./support/trades.ts";

const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;
/** The far-future stamp seen in the wild. */
const FUTURE = 8.7e15;

/** Trades on every 1-second candle close: in when flat, out when long. */
const FLIP = {
  version: 1,
  name: "flip",
  timeframe: "1s",
  entry: { long: { gt: ["close", 0] } },
  exit: { long: { gt: ["close", 0] } },
  sizing: { type: "fixed_notional", value: 50 },
};

function flipStrategy(): Strategy {
  const parsed = parseStrategy(FLIP);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.strategy;
}

const EXECUTION = resolveExecutionConfig({ initial_cash: 10_000 });

/**
 * One of each corrupt input, to follow the valid `trade` and `quote`: a trade
 * stamped far ahead, a trade an hour back, NaN price, zero price, negative
 * size, an out-of-order id, a crossed quote, a kline with high < low and one
 * that closes before it opens.
 */
function corruptAfter(trade: Trade, quote: Quote): MarketEvent[] {
  const minute = Math.floor(trade.time / 60_000) * 60_000;
  const kline: Candle = {
    type: "candle",
    symbol: trade.symbol,
    timeframe: "1m",
    openTime: minute,
    closeTime: minute + 59_999,
    open: 100,
    high: 101,
    low: 99,
    close: 100,
    volume: 1,
    closed: true,
  };
  return [
    { ...trade, id: trade.id + 1, time: FUTURE },
    { ...trade, id: trade.id + 2, time: trade.time - HOUR },
    { ...trade, id: trade.id + 3, price: NaN },
    { ...trade, id: trade.id + 4, price: 0 },
    { ...trade, id: trade.id + 5, qty: -1 },
    { ...trade, id: trade.id - 5 },
    { ...quote, updateId: quote.updateId + 1, bid: quote.ask + 1 },
    { ...kline, high: 99, low: 101 },
    { ...kline, closeTime: minute - 1 },
  ];
}

/** The drops of {@link corruptAfter}'s events apart from the two mis-stamped trades. */
const VALUE_DROPS = {
  invalid_number: 1,
  non_positive: 2,
  out_of_order: 1,
  crossed_quote: 1,
  candle_range: 1,
  candle_time: 1,
};
/** Live, the mis-stamped trades are out of the wall clock's bounds. */
const LIVE_DROPS = { time_future: 1, time_past: 1, ...VALUE_DROPS };
/** In a recording, one is an unconfirmed jump and the other goes back in time. */
const RECORDED_DROPS = { time_jump: 1, time_backwards: 1, ...VALUE_DROPS };

/** Sends events as the exchange does (kline frames reach feeds subscribed to klines). */
function publish(fake: FakeBinance, events: readonly MarketEvent[]): void {
  for (const event of events) {
    const { stream, data } = toEnvelope(event);
    fake.publish(stream, data);
  }
}

/** A trade and a quote of BTCUSDT. */
function tradeAt(id: number, time: number): Trade {
  return tradeOf({ id, time });
}
function quoteOf(updateId: number, time: number): Quote {
  return {
    type: "quote",
    symbol: "BTCUSDT",
    updateId,
    bid: 99,
    bidQty: 1,
    ask: 101,
    askQty: 1,
    time,
  };
}

/** Events with trade ids and quote update ids numbered 10, 20, … by position, so corrupt events fit between. */
function numbered(events: readonly MarketEvent[]): MarketEvent[] {
  return events.map((e, i) =>
    e.type === "trade"
      ? { ...e, id: 10 * (i + 1) }
      : e.type === "quote"
      ? { ...e, updateId: 10 * (i + 1) }
      : e
  );
}

/** The simulated stream of `minutes`, numbered. */
function cleanStream(minutes: number): MarketEvent[] {
  return numbered(simStream({ durationMs: minutes * 60_000 }));
}

/** Runs `fn` with a fresh temporary directory, removed after. */
async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The clean stream with the corrupt events after its middle trade and quote. */
function corruptStream(clean: readonly MarketEvent[]) {
  const middle = clean.findIndex((e, i) => i >= clean.length / 2 && e.type === "trade");
  const events = corruptAfter(clean[middle] as Trade, clean[middle + 1] as Quote);
  const stream = [...clean.slice(0, middle + 2), ...events, ...clean.slice(middle + 2)];
  return { stream, at: (clean[middle] as Trade).time };
}

async function collect(path: string): Promise<MarketEvent[]> {
  const out: MarketEvent[] = [];
  for await (const e of readRecording(path)) out.push(e);
  return out;
}

Deno.test("binance: corrupt events are dropped and counted by reason; valid ones pass", async () => {
  const clock = T0 + 60_000;
  const fake = await startFakeBinance({ now: () => clock });
  const events: MarketEvent[] = [];
  const feed = new BinanceFeed({
    wsUrl: fake.wsUrl,
    restUrl: fake.restUrl,
    now: () => clock,
    klines: true,
  });
  try {
    await feed.start(["BTCUSDT"], (e) => events.push(e));
    await fake.waitForConnection(1);
    const valid = [tradeAt(10, T0), quoteOf(1, T0), tradeAt(20, T0 + 1000), quoteOf(2, T0 + 1000)];
    publish(fake, valid.slice(0, 2));
    publish(fake, corruptAfter(tradeAt(10, T0), quoteOf(1, T0)));
    publish(fake, valid.slice(2));
    await until(() => feed.status().events === valid.length, "the valid events");
    const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b);
    await until(() => total(feed.status().dropped) === total(LIVE_DROPS), "every corrupt event");
    assert.deepEqual(feed.status().dropped, LIVE_DROPS);
    assert.deepEqual(events, valid);
  } finally {
    await feed.close();
    await fake.close();
  }
});

Deno.test({
  name:
    "live: a paper session on the exchange feed trades on after corrupt data; its drawdown duration stays sane",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    let clock = T0;
    const fake = await startFakeBinance({ now: () => clock, symbols: ["BTCUSDT"] });
    const feed = new BinanceFeed({
      wsUrl: fake.wsUrl,
      restUrl: fake.restUrl,
      now: () => clock,
      klines: true,
    });
    const server = await startTestServer({ feed, env: { SYMBOLS: "BTCUSDT" } });
    try {
      await fake.waitForConnection(1);
      const { id } = await server.service.sessions.create(
        sessionInputSchema.parse({ strategy: FLIP, symbol: "BTCUSDT" }),
      );
      // Warm-up history ended at T0; the trades below lie in the two minutes before the clock.
      clock = T0 + 120_000;
      let tradeId = 0;
      const send = (from: number, to: number) => {
        for (let t = from; t < to; t += 250) {
          tradeId += 10;
          fake.trade("BTCUSDT", tradeId, 100 + Math.sin(t / 3000), 0.5, t);
        }
      };
      send(T0 + 1000, T0 + 20_000);
      const at = T0 + 19_750;
      publish(fake, corruptAfter(tradeAt(tradeId, at), quoteOf(0, at)));
      send(T0 + 20_000, T0 + 40_000);

      const after = await eventually(async () => {
        const fills = (await server.service.records.fills(id, { limit: 1000 })).items;
        const later = fills.filter((f) => f.time > at + 1000);
        return later.length >= 5 ? later : undefined;
      }, { what: "fills after the corrupt data", timeoutMs: 60_000 });
      assert.ok(after.every((f) => f.time < T0 + 40_000), "fills at the trades' times");
      assert.deepEqual(server.service.hub.health().dropped, LIVE_DROPS);
      const metrics = await server.service.sessions.metrics(id);
      assert.ok(
        metrics.max_drawdown_duration_ms <= 40_000,
        `max_drawdown_duration_ms ${metrics.max_drawdown_duration_ms}`,
      );
    } finally {
      await server.stop();
      await fake.close();
    }
  },
});

Deno.test("record: corrupt exchange frames are not written to the recording", async () => {
  const clock = T0 + 60_000;
  const fake = await startFakeBinance({ now: () => clock });
  const stop = new AbortController();
  let lines = 0;
  try {
    await inTempDir(async (dir) => {
      const out = `${dir}/rec.jsonl`;
      const recording = record(["BTCUSDT"], out, {
        feed: "binance",
        binanceWsUrl: fake.wsUrl,
        binanceRestUrl: fake.restUrl,
        now: () => clock,
        klines: true,
        signal: stop.signal,
        onProgress: (n) => lines = n,
      });
      await fake.waitForConnection(1);
      publish(fake, [tradeAt(10, T0), ...corruptAfter(tradeAt(10, T0), quoteOf(0, T0))]);
      publish(fake, [tradeAt(20, T0 + 1000)]);
      await until(() => lines >= 2, "two recorded lines", 20_000);
      stop.abort();
      await recording;
      const recorded = await collect(out);
      assert.deepEqual(recorded.map((e) => e.type === "trade" && e.id), [10, 20]);
      assert.equal((await Deno.readTextFile(out)).trim().split("\n").length, 2);
    });
  } finally {
    stop.abort();
    await fake.close();
  }
});

Deno.test("replay: corrupt events of a recording are dropped and counted; the rest replays unchanged", async () => {
  await inTempDir(async (dir) => {
    const clean = cleanStream(3);
    const { stream } = corruptStream(clean);
    const path = `${dir}/corrupt.jsonl`;
    await writeStream(path, stream);
    const feed = new ReplayFeed(path, { speed: "max" });
    const replayed: MarketEvent[] = [];
    await feed.start([], (e) => replayed.push(e));
    await feed.done;
    assert.deepEqual(replayed, JSON.parse(JSON.stringify(clean)));
    assert.deepEqual(feed.status().dropped, RECORDED_DROPS);

    // A real gap of five hours in a recording is no outlier: it replays whole.
    const gapped = numbered([
      ...simStream({ durationMs: 60_000 }),
      ...simStream({ start: T0 + 5 * HOUR, durationMs: 60_000 }),
    ]);
    const gapPath = `${dir}/gap.jsonl`;
    await writeStream(gapPath, gapped);
    const drops: string[] = [];
    const read: MarketEvent[] = [];
    for await (const e of readRecording(gapPath, { onDrop: (r) => drops.push(r) })) read.push(e);
    assert.deepEqual(drops, []);
    assert.deepEqual(read, gapped);
  });
});

Deno.test("backtest: a recording with corrupt events gives the clean recording's result and counts the drops", async () => {
  await inTempDir(async (dir) => {
    const clean = cleanStream(5);
    const { stream } = corruptStream(clean);
    await writeStream(`${dir}/clean.jsonl`, clean);
    await writeStream(`${dir}/corrupt.jsonl`, stream);
    const options = { strategy: flipStrategy(), execution: EXECUTION };
    const expected = await runBacktest(`${dir}/clean.jsonl`, options);
    const result = await runBacktest(`${dir}/corrupt.jsonl`, options);
    assert.ok(expected.trades.length > 100, `${expected.trades.length} round trips`);
    assert.deepEqual(result.dropped, RECORDED_DROPS);
    assert.deepEqual({ ...result, data: "", dropped: {} }, { ...expected, data: "", dropped: {} });
    assert.ok(result.metrics.max_drawdown_duration_ms <= 5 * 60_000);
  });
});

Deno.test("backtest: corrupt rows of CSV dumps (trades and klines) are dropped and counted", async () => {
  await inTempDir(async (dir) => {
    const trades = cleanStream(5).filter((e): e is Trade => e.type === "trade");
    const row = (t: Trade) => `${t.id},${t.price},${t.qty},${t.price * t.qty},${t.time},false,true`;
    const middle = trades.length >> 1;
    const m = trades[middle];
    const corrupt = [
      row({ ...m, id: m.id + 1, time: FUTURE }),
      row({ ...m, id: m.id + 2, time: m.time - HOUR }),
      row({ ...m, id: m.id + 3, price: NaN }),
      row({ ...m, id: m.id + 4, price: 0 }),
      row({ ...m, id: m.id - 5 }),
    ];
    const lines = trades.map(row);
    await Deno.writeTextFile(`${dir}/BTCUSDT-trades-clean.csv`, lines.join("\n") + "\n");
    lines.splice(middle + 1, 0, ...corrupt);
    await Deno.writeTextFile(`${dir}/BTCUSDT-trades-corrupt.csv`, lines.join("\n") + "\n");
    const options = { strategy: flipStrategy(), execution: EXECUTION };
    const expected = await runBacktest(`${dir}/BTCUSDT-trades-clean.csv`, options);
    const result = await runBacktest(`${dir}/BTCUSDT-trades-corrupt.csv`, options);
    assert.deepEqual(result.dropped, {
      time_jump: 1,
      time_backwards: 1,
      invalid_number: 1,
      non_positive: 1,
      out_of_order: 1,
    });
    assert.deepEqual({ ...result, data: "", dropped: {} }, { ...expected, data: "", dropped: {} });

    // Klines: 1m candles, with one whose high is below its low and one that closes before it opens.
    const kline = (i: number, fields: { high?: number; low?: number; close?: number } = {}) => {
      const open = T0 + i * 60_000;
      const { high = 101 + (i % 3), low = 99 - (i % 2), close = 100 + (i % 5) / 5 } = fields;
      return [open, 100, high, low, close, 10, open + 59_999, 0, 4, 0, 0, 0].join(",");
    };
    const klines = Array.from({ length: 60 }, (_, i) => kline(i));
    await Deno.writeTextFile(`${dir}/BTCUSDT-1m-clean.csv`, klines.join("\n") + "\n");
    klines.splice(
      30,
      0,
      kline(30, { high: 98, low: 102 }),
      kline(30).replace(/,\d+,0,4,/, `,${T0},0,4,`),
    );
    await Deno.writeTextFile(`${dir}/BTCUSDT-1m-corrupt.csv`, klines.join("\n") + "\n");
    const klineOptions = { ...options, strategy: flipStrategy() };
    const cleanKlines = await runBacktest(`${dir}/BTCUSDT-1m-clean.csv`, klineOptions);
    const corruptKlines = await runBacktest(`${dir}/BTCUSDT-1m-corrupt.csv`, klineOptions);
    assert.deepEqual(corruptKlines.dropped, { candle_range: 1, candle_time: 1 });
    assert.equal(corruptKlines.events, cleanKlines.events);
    assert.deepEqual(corruptKlines.trades, cleanKlines.trades);
  });
});

Deno.test({
  name:
    "replay: a paper session fed a corrupt recording trades exactly like the backtest of the clean one",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    const clean = cleanStream(4);
    const { stream, at } = corruptStream(clean);
    await writeStream(`${dir}/clean.jsonl`, clean);
    const lastTime = await writeStream(`${dir}/corrupt.jsonl`, stream);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => release = resolve);
    const feed = new ReplayFeed(`${dir}/corrupt.jsonl`, { speed: "max", gate });
    const server = await startTestServer({ feed, env: { SYMBOLS: "BTCUSDT" } });
    try {
      const { id } = await server.service.sessions.create(
        sessionInputSchema.parse({ strategy: FLIP, symbol: "BTCUSDT" }),
      );
      release();
      await feed.done;
      await eventually(async () => {
        const rows = await server.service.db.query<{ state: SessionSnapshot }>(
          sql`select state from session_snapshots where session_id = ${id}`,
        );
        return rows[0]?.state.time === lastTime ? true : undefined;
      }, {
        what: "the session's durable state to reach the end of the recording",
        timeoutMs: 60_000,
      });
      const expected = await runBacktest(`${dir}/clean.jsonl`, {
        strategy: flipStrategy(),
        execution: EXECUTION,
      });
      assert.deepEqual(feed.status().dropped, RECORDED_DROPS);
      await assertSettles(
        () => server.service.sessions.metrics(id),
        expected.metrics,
        "the session's metrics (its view) to be the backtest's",
      );
      const fills = await eventually(async () => {
        const page = await server.service.records.fills(id, { limit: 1000 });
        return page.total === expected.fills.length ? page.items : undefined;
      }, { what: `${expected.fills.length} durable fills` });
      assert.ok(fills.filter((f) => f.time > at).length > 50, "fills after the corrupt data");
      assert.deepEqual(
        fills.map((f) => [f.time, f.price, f.quantity]),
        expected.fills.map((f) => [f.time, f.price, f.quantity]),
      );
    } finally {
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
