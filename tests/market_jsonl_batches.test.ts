import assert from "node:assert/strict";
import type { BookTop, MarketEvent, Quote } from "../engine/core/types.ts";
import { JsonlBatchParser } from "../engine/runtime/market/jsonl_batches.ts";
import { jsonlLineParser } from "../engine/runtime/market/recording.ts";
import { readBothWays, writeRecording } from "./support/both_readers.ts";
import { toEnvelope } from "../engine/runtime/market/binance_protocol.ts";

type Parsed = MarketEvent | BookTop | string;

/** What the JSONL line parser makes of each line of `text` (the reference). */
function byLines(text: string): Parsed[] {
  const parse = jsonlLineParser({ lastTime: 0 });
  const out: Parsed[] = [];
  for (const line of text.replace(/^\uFEFF/, "").split("\n")) {
    const parsed = parse(line);
    if (parsed !== undefined) out.push(parsed);
  }
  return out;
}

/** What the byte-level parser makes of `text` pushed in chunks of `size` bytes; also counts fast rows. */
function byBytes(text: string, size: number, capacity = 3): { out: Parsed[]; rows: number } {
  const out: Parsed[] = [];
  let rows = 0;
  const parser = new JsonlBatchParser({
    trades(batch) {
      rows += batch.count;
      for (let i = 0; i < batch.count; i++) {
        out.push({
          type: "trade",
          symbol: batch.symbol,
          id: batch.id[i],
          price: batch.price[i],
          qty: batch.qty[i],
          time: batch.time[i],
          buyerMaker: batch.buyerMaker[i] === 1,
        });
      }
    },
    event: (event) => out.push(event),
    drop: (reason) => out.push(reason),
  }, { capacity });
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i += size) parser.push(bytes.slice(i, i + size));
  parser.end();
  return { out, rows };
}

const trade = (symbol: string, id: number, price: string, time: number, m = false) =>
  `{"stream":"${symbol.toLowerCase()}@trade","data":{"e":"trade","E":${time},"s":"${symbol}",` +
  `"t":${id},"p":"${price}","q":"0.01000","T":${time},"m":${m},"M":true}}`;

const LINES = [
  "\uFEFF" + trade("BTCUSDT", 1, "93000.50", 1735689600123, true),
  trade("BTCUSDT", 2, "93001", 1735689600200),
  trade("ETHUSDT", 7, "3300.1", 1735689600250),
  // A bookTicker without a time takes the last trade's.
  '{"stream":"btcusdt@bookTicker","data":{"u":5,"s":"BTCUSDT","b":"93000","B":"1","a":"93001","A":"2"}}',
  trade("BTCUSDT", 3, "93002", 1735689600300).replace('"s":"BTCUSDT"', '"s":"btcusdt"'),
  trade("BTCUSDT", 4, "9.3e4", 1735689600400),
  trade("BTCUSDT", 5, " 93003", 1735689600500),
  trade("BTCUSDT", 6, "", 1735689600600),
  trade("BTCUSDT", 7, "93004", 1735689600700).replace('"t":7', '"t":07'),
  trade("BTCUSDT", 8, "93005", 1735689600800).replace('"t":8', '"t":-8'),
  trade("BTCUSDT", 9, "93006", 1735689600900).replace('"m":false', '"m":"false"'),
  trade("BTCUSDT", 10, "93007", 1735689601000).replace('"T":1735689601000', '"T":1.735689601e12'),
  trade("BTCUSDT", 11, "93008", 1735689601100).replace("}}", "} }"),
  trade("BTCUSDT", 12, "93\\u0030", 1735689601200),
  trade("BTCUSDT", 13, "93009", 1735689601300).replace('"E":1735689601300,', ""),
  trade("BTCUSDT", 14, "93010", 1735689601400).slice(0, -3),
  trade("BTCUSDT", 15, "93011.123456789012345678901", 1735689601500),
  trade("BTCUSDT", 16, "93012", 1735689601600).replace('"e":"trade"', '"e":"aggTrade"')
    .replace('"t":16', '"a":16'),
  '{"stream":"btcusdt@kline_1m","data":{"e":"kline","s":"BTCUSDT","k":{"t":1735689600000,' +
  '"T":1735689659999,"i":"1m","o":"1","h":"2","l":"0.5","c":"1.5","v":"10","x":true}}}',
  "not json",
  "",
  "   ",
  '{"id":1,"result":null}',
  '{"stream":"x","data":{"e":"unknown"}}',
  trade("BTCUSDT", 16, "93012.5", 1735689601650).replace('.5"', '.5" '),
  trade("BTCUSDT", 17, "93013", 1735689601700) + "\r",
  trade("BTCUSDT", 18, "93014", 1735689601800),
];

Deno.test("jsonl batches: every line parses as the line parser reads it, at any chunk size", () => {
  const text = LINES.join("\n");
  const expected = byLines(text);
  assert.ok(expected.length >= 20, `reference parsed ${expected.length}`);
  for (const size of [1, 2, 7, 64, 1 << 20]) {
    const { out } = byBytes(text, size);
    assert.deepEqual(out, expected, `in chunks of ${size}`);
  }
  const { out, rows } = byBytes(text, 1 << 20);
  assert.equal(rows, 5, "the recorder's trade lines (and only those) take the byte path");
  assert.ok(out.includes("invalid_json"), "a line that is not JSON is counted");
  const quote = out.find((e): e is Quote => typeof e === "object" && e.type === "quote");
  assert.equal(quote?.time, 1735689600250, "a bookTicker takes the last trade's time");
});

Deno.test("jsonl batches: the recorder's envelopes round-trip exactly, numbers as Number() reads them", () => {
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(next() * 10)).join("");
  const lines: string[] = [];
  for (let i = 0; i < 20_000; i++) {
    const whole = digits(1 + Math.floor(next() * 9));
    const fraction = digits(Math.floor(next() * 12));
    const price = fraction ? `${whole}.${fraction}` : whole;
    const event: MarketEvent = {
      type: "trade",
      symbol: i % 3 ? "BTCUSDT" : "ETHUSDT",
      id: i + 1,
      price: Number(price),
      qty: Number(`0.${1 + Math.floor(next() * 9)}${digits(7)}`),
      time: 1735689600000 + i,
      buyerMaker: next() < 0.5,
    };
    lines.push(JSON.stringify(toEnvelope(event)));
    lines.push(trade(event.symbol, event.id, price, event.time));
  }
  const text = lines.join("\n") + "\n";
  const { out, rows } = byBytes(text, 4096, 1000);
  // Prices of 16 digits and more (mantissa ≥ 2^53) take the line parser.
  assert.ok(rows > lines.length * 0.9, `${rows} of ${lines.length} lines took the byte path`);
  const expected = byLines(text);
  assert.equal(out.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.deepEqual(out[i], expected[i], `line ${i}`);
    const got = out[i] as { price: number }, want = expected[i] as { price: number };
    assert.ok(Object.is(got.price, want.price), `line ${i}: ${got.price}`);
  }
});

Deno.test("jsonl batches: a replay gives the recording reader's events and drops, plain and gzip", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const text = LINES.join("\n") + "\n" + trade("BTCUSDT", 2, "1", 1735689601900) + "\n";
    for (const gzip of [false, true]) {
      const path = `${dir}/BTCUSDT-stream.jsonl${gzip ? ".gz" : ""}`;
      const bytes = await writeRecording(path, text, gzip);
      const { expected, expectedDrops, events, drops, read } = await readBothWays(path);
      assert.ok(expected.length >= 5, `${path}: ${expected.length} events`);
      assert.ok(drops.includes("out_of_order"), `${path}: an old trade id is dropped`);
      assert.deepEqual(events, expected, path);
      assert.deepEqual(drops.sort(), expectedDrops.sort(), path);
      assert.equal(read, bytes.length, `${path}: bytes reported`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
