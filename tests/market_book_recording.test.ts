/**
 * Books in recordings: the recorder writes Binance depth diffs as received and
 * each synced book as a partial-depth envelope with `E` added; reading the
 * recording rebuilds the same books (in order with the trades), the replay
 * feed delivers them, and a backtest fills against them.
 */
import assert from "node:assert/strict";
import type { BookTop, MarketEvent } from "../engine/core/types.ts";
import { readRecording, record, ReplayFeed } from "../engine/runtime/market/mod.ts";
import { runBacktest } from "../engine/runtime/backtest/run.ts";
import { resolveExecutionConfig } from "../engine/core/execution/mod.ts";
import { validateStrategy } from "../engine/runtime/strategies.ts";
import { startFakeBinance } from "./support/fake_binance.ts";
import { eventually } from "./support/wait.ts";

const T = Date.UTC(2026, 0, 1);

function line(stream: string, data: unknown): string {
  return JSON.stringify({ stream, data });
}
function trade(id: number, price: number, time: number): string {
  return line("btcusdt@trade", {
    e: "trade",
    E: time,
    s: "BTCUSDT",
    t: id,
    p: String(price),
    q: "1",
    T: time,
    m: false,
  });
}
function diff(first: number, final: number, time: number, b: string[][], a: string[][]): string {
  return line("btcusdt@depth@100ms", {
    e: "depthUpdate",
    E: time,
    s: "BTCUSDT",
    U: first,
    u: final,
    b,
    a,
  });
}

async function collect(path: string, drops: string[] = []): Promise<(MarketEvent | BookTop)[]> {
  const out: (MarketEvent | BookTop)[] = [];
  for await (const e of readRecording(path, { books: true, onDrop: (r) => drops.push(r) })) {
    out.push(e);
  }
  return out;
}

Deno.test("recording: partial depth loads a book, diffs continue it, a gap waits for the next", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/books.jsonl`;
  await Deno.writeTextFile(
    file,
    [
      diff(1, 1, T, [["99", "1"]], []), // before any snapshot: skipped
      trade(1, 100, T),
      trade(2, 100, T + 100),
      // The exchange's partial depth carries no E: it takes the last trade's time.
      line("btcusdt@depth20@100ms", {
        lastUpdateId: 10,
        bids: [["99", "1"], ["98", "2"]],
        asks: [["101", "1"], ["102", "3"]],
      }),
      diff(9, 10, T + 150, [], []), // already covered: skipped
      diff(11, 12, T + 200, [["99", "0"], ["98.5", "4"]], [["101", "2"]]),
      trade(3, 101, T + 300),
      diff(14, 14, T + 400, [], [["100", "1"]]), // 13 is missing: a gap
      diff(15, 15, T + 500, [], [["100", "2"]]), // out of sync: skipped
      line("btcusdt@depth1000", {
        lastUpdateId: 20,
        E: T + 600,
        bids: [["97", "5"]],
        asks: [["100", "1"]],
      }),
      trade(4, 100, T + 700),
    ].join("\n") + "\n",
  );
  const drops: string[] = [];
  const events = await collect(file, drops);
  assert.deepEqual(drops, ["book_gap"]);
  assert.deepEqual(
    events.map((e) =>
      e.type === "book" ? `book@${e.updateId}` : `${e.type}#${(e as { id: number }).id}`
    ),
    ["trade#1", "trade#2", "book@10", "book@12", "trade#3", "book@20", "trade#4"],
  );
  const books = events.filter((e): e is BookTop => e.type === "book");
  assert.equal(books[0].time, T + 100);
  assert.deepEqual(books[1], {
    type: "book",
    symbol: "BTCUSDT",
    updateId: 12,
    time: T + 200,
    bids: [[98.5, 4], [98, 2]],
    asks: [[101, 2], [102, 3]],
  });
  assert.deepEqual(books[2].asks, [[100, 1]]);
  // Without `books`, the same file reads as before: market events only, no drops for book lines.
  const plain: MarketEvent[] = [];
  const plainDrops: string[] = [];
  for await (const e of readRecording(file, { onDrop: (r) => plainDrops.push(r) })) plain.push(e);
  assert.deepEqual(plain.map((e) => e.type), ["trade", "trade", "trade", "trade"]);
  assert.deepEqual(plainDrops, []);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("recorder: a Binance depth recording replays to the books the live feed built", async () => {
  const fake = await startFakeBinance();
  const dir = await Deno.makeTempDir();
  const out = `${dir}/rec.jsonl.gz`;
  fake.setBook("BTCUSDT", 100, [[99, 1], [98, 2]], [[101, 1], [102, 3]]);
  const controller = new AbortController();
  try {
    const recording = record(["BTCUSDT"], out, {
      feed: "binance",
      binanceWsUrl: fake.wsUrl,
      binanceRestUrl: fake.restUrl,
      depth: true,
      signal: controller.signal,
    });
    await fake.waitForConnection(1);
    const now = Date.now();
    fake.trade("BTCUSDT", 1, 100, 1, now);
    fake.depth("BTCUSDT", { first: 101, final: 102 }, [[99, 0], [98.5, 4]], [[101, 2]]);
    await eventually(() => fake.depthRequests.length > 0 || undefined, {
      what: "the recorder's feed to fetch a depth snapshot",
    });
    // Wait until the snapshot is surely applied: a later diff only goes out after a short pause.
    await new Promise((r) => setTimeout(r, 300));
    fake.depth("BTCUSDT", { first: 103, final: 103 }, [], [[100.5, 1]]);
    fake.trade("BTCUSDT", 2, 100.5, 1, now + 1);
    await new Promise((r) => setTimeout(r, 300));
    controller.abort();
    await recording;

    const text = new TextDecoder().decode(
      await new Response(
        (await Deno.open(out)).readable.pipeThrough(new DecompressionStream("gzip")),
      ).arrayBuffer(),
    );
    const partial = text.split("\n").filter((l) => l.includes("@depth1000")).map((l) =>
      JSON.parse(l)
    );
    assert.equal(partial.length, 1, "one synced book line");
    assert.equal(typeof partial[0].data.E, "number", "the recorder adds E");
    assert.equal(partial[0].data.lastUpdateId, 102);

    const books = (await collect(out)).filter((e): e is BookTop => e.type === "book");
    assert.deepEqual(books.map((b) => b.updateId), [102, 103]);
    assert.deepEqual(books[1].bids, [[98.5, 4], [98, 2]]);
    assert.deepEqual(books[1].asks, [[100.5, 1], [101, 2], [102, 3]]);

    // The replay feed hands the books to its book sink, in order with the trades.
    const feed = new ReplayFeed(out, { speed: "max" });
    const seen: string[] = [];
    feed.books((b) => seen.push(`book@${b.updateId}`));
    await feed.start([], (e) => seen.push(e.type));
    await feed.done;
    assert.deepEqual(seen, ["trade", "book@102", "book@103", "trade"]);
  } finally {
    controller.abort();
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("backtest: a market buy walks the recorded book (5 against asks 100×1, 101×2, 102×10)", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/BTCUSDT-books.jsonl`;
  const lines = [
    line("btcusdt@depth1000", {
      lastUpdateId: 1,
      E: T,
      bids: [["99", "5"]],
      asks: [["100", "1"], ["101", "2"], ["102", "10"]],
    }),
  ];
  for (let i = 1; i <= 5; i++) lines.push(trade(i, 100, T + i * 1000));
  await Deno.writeTextFile(file, lines.join("\n") + "\n");
  const strategy = validateStrategy(`
version: 1
name: buy_once
timeframe: 1s
entry:
  long: { gt: [close, 0] }
exit:
  long: { lt: [close, 0] }
sizing: { type: fixed_quantity, value: 5 }
`);
  try {
    const execution = (fill_model?: unknown) =>
      resolveExecutionConfig({
        initial_cash: 100_000,
        taker_fee: 0,
        quote_max_age_ms: 60_000,
        ...(fill_model ? { fill_model } : {}),
      });
    const result = await runBacktest(file, { strategy, execution: execution() });
    assert.ok(result.books >= 1);
    assert.equal(result.fills[0].quantity, 5);
    assert.equal(result.fills[0].price, 101.2);
    const slipped = await runBacktest(file, { strategy, execution: execution({ book: "none" }) });
    assert.notEqual(slipped.fills[0].price, 101.2, "without the book model the fill is not walked");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
