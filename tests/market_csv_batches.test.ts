import assert from "node:assert/strict";
import type { BookTop, MarketEvent } from "../engine/core/types.ts";
import { CsvBatchParser } from "../engine/runtime/market/csv_batches.ts";
import { csvLineParser } from "../engine/runtime/market/recording.ts";
import { readBothWays, writeRecording } from "./support/both_readers.ts";

type Parsed = MarketEvent | BookTop | string;

/** What the line parser makes of each line of `text` (the reference). */
function byLines(name: string, text: string): Parsed[] {
  const parse = csvLineParser(name, {});
  const out: Parsed[] = [];
  for (const line of text.replace(/^\uFEFF/, "").split("\n")) {
    const parsed = parse(line);
    if (parsed !== undefined) out.push(parsed);
  }
  return out;
}

/** What the byte-level parser makes of `text` pushed in chunks of `size` bytes. */
function byBytes(name: string, text: string, size: number, capacity = 3): Parsed[] {
  const out: Parsed[] = [];
  const parser = new CsvBatchParser(name, {
    trades(batch) {
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
  return out;
}

const TRADES = "\uFEFFid,price,qty,quote_qty,time,is_buyer_maker,is_best_match\r\n" +
  "100,93000.50000000,0.00012000,11.16,1735689600123456,true,true\r\n" +
  "101,93001,0.02,1860.02,1735689600200000,false,True\n" +
  "102,NaN,0.02,1,1735689600300000,false,True\n" +
  "103, 93002.1,0.02,1,1735689600400000,True,True\n" +
  "104,9.3e4,1e-2,1,1735689600500000,FALSE,True\n" +
  "105,0.1,0.2,0.3,1735689600600,true,true,extra\n" +
  "106,93003.12345678901234567,0.3,1,1735689600700,false,true\n" +
  "107,.5,5.,1,1735689600800,false,true\n" +
  "108,-1,0.3,1,1735689600900,false,true\n" +
  "-109,1,0.3,1,1735689601000,false,true\n" +
  "110,1,2\n" +
  "\n" +
  "   \n" +
  "111,93004,0.1,1,1735689601100,maybe,true\n" +
  "112,93005,0.1,1,1735689601200,true,true";
const AGG = "200,93000.5,0.01,1000,1001,1735689600123,true,true\n" +
  "201,93000.25,0.5,1002,1002,1735689600124,false,true\n";
const KLINES = "1735689600000,93000,93010,92990,93005,12.5,1735689659999,0,10,0,0,0\n" +
  "1735689660000000,93005,93020,93000,93015,3,1735689719999999,0,4,0,0,0\n" +
  "1735689720000,93015,93016,93010,93011,1,1735689720999,0,4,0,0,0\n";

Deno.test("csv batches: every line parses as the line parser reads it, at any chunk size", () => {
  const cases: [string, string][] = [
    ["BTCUSDT-trades-2025-01-01.csv", TRADES],
    ["ETHUSDT-aggTrades-2025-01-01.csv", AGG],
    ["BTCUSDT-1m-2025-01-01.csv", KLINES],
    ["BTCUSDT.csv", KLINES.replace(/\n/g, "\r\n")],
  ];
  for (const [name, text] of cases) {
    const expected = byLines(name, text);
    assert.ok(expected.length >= 2, `${name}: reference parsed ${expected.length}`);
    for (const size of [1, 2, 7, 64, 1 << 20]) {
      assert.deepEqual(byBytes(name, text, size), expected, `${name} in chunks of ${size}`);
    }
  }
  const trades = byBytes("BTCUSDT-trades-2025-01-01.csv", TRADES, 5);
  assert.ok(trades.includes("unknown_message"), "a short digit row is counted");
  assert.deepEqual(trades[0], {
    type: "trade",
    symbol: "BTCUSDT",
    id: 100,
    price: 93000.5,
    qty: 0.00012,
    time: 1735689600123,
    buyerMaker: true,
  });
});

Deno.test("csv batches: canonical decimals convert exactly as Number() does", () => {
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(next() * 10)).join("");
  let rows = "";
  const expected: number[] = [];
  for (let i = 0; i < 20_000; i++) {
    const whole = digits(1 + Math.floor(next() * 9));
    const fraction = digits(Math.floor(next() * 12));
    const text = fraction ? `${whole}.${fraction}` : whole;
    rows += `${i + 1},${text},1,1,${1735689600000 + i},false,true\n`;
    expected.push(Number(text));
  }
  // Around the exact-mantissa limit (2^53), the longest fractions, long and zero-led digit runs.
  const edges = [
    "9007199254740991",
    "9007199254740992",
    "9007199254740993",
    "900719925474099.3",
    "900719925474099.25",
    "0.9007199254740993",
    "123456789012345678901234567890",
    "1.0000000000000000000001",
    "1.00000000000000000000001",
    "000123.4500",
    "0.0000000000000000000001",
    "123456789.123456789",
  ];
  for (const [k, text] of edges.entries()) {
    rows += `${20_001 + k},${text},1,1,${1735689700000 + k},false,true\n`;
    expected.push(Number(text));
  }
  const parsed = byBytes("X-trades.csv", rows, 4096, 1000) as { price: number }[];
  assert.equal(parsed.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Object.is(parsed[i].price, expected[i]), `row ${i}: ${parsed[i].price}`);
  }
});

Deno.test("csv batches: a replay gives the recording reader's events and drops, plain and gzip", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const [name, text] of [["BTCUSDT-trades-2025.csv", TRADES], ["BTCUSDT-1m.csv", KLINES]]) {
      for (const gzip of [false, true]) {
        const path = `${dir}/${name}${gzip ? ".gz" : ""}`;
        const bytes = await writeRecording(path, text, gzip);
        const { expected, expectedDrops, events, drops, read } = await readBothWays(path);
        assert.ok(expected.length >= 2, `${path}: ${expected.length} events`);
        assert.deepEqual(events, expected, path);
        assert.deepEqual(drops.sort(), expectedDrops.sort(), path);
        assert.equal(read, bytes.length, `${path}: bytes reported`);
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
