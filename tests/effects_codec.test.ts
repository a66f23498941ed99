/**
 * The codec of the effects a worker sends to the main thread gives back
 * exactly what a JSON round trip gives: for the effects of real sessions
 * (example strategies over simulated trades with stops, targets, shorts and
 * risk halts, and a portfolio), and for hand-made edge cases (non-finite
 * numbers, -0, undefined keys, key order, nested data, odd keys).
 */
import assert from "node:assert/strict";
import { Decoder, Encoder } from "../engine/runtime/effects_codec.ts";
import { PortfolioCore, SessionCore, type SessionEffect } from "../engine/core/session/mod.ts";
import { resolveExecutionConfig } from "../engine/core/execution/mod.ts";
import { parseStrategy, type Strategy } from "../engine/core/strategy/mod.ts";
import type { RiskLimits } from "../engine/core/risk/mod.ts";
import type { Trade } from "../engine/core/types.ts";
import { waveTrades } from "./support/trades.ts";

/** Encodes `values` as one message, decodes it, and asserts it equals the JSON round trip (key order included). */
function assertRoundTrip(
  encoder: Encoder,
  decoder: Decoder,
  values: readonly unknown[],
  what: string,
): void {
  const expected = JSON.parse(JSON.stringify(values));
  const encoded = encoder.encode(values);
  // As the worker posts it: the numbers' buffer moves to the receiver.
  const received = structuredClone(encoded, { transfer: [encoded.numbers.buffer] });
  const decoded = decoder.decode(received);
  assert.deepStrictEqual(decoded, expected, what);
  assert.equal(JSON.stringify(decoded), JSON.stringify(expected), `${what}: key order`);
}

function strategyFile(name: string): Strategy {
  const parsed = parseStrategy(
    Deno.readTextFileSync(new URL(`../strategies/${name}.yaml`, import.meta.url)),
  );
  if (!parsed.ok) throw new Error(`${name}: ${JSON.stringify(parsed.errors)}`);
  return parsed.strategy;
}

const execution = resolveExecutionConfig({ initial_cash: 10_000 });

/** Trades a minute strategy acts on many times: 8 s apart for about 9 hours, swinging ±5%. */
function tradesOf(symbol: string, seed: number): Trade[] {
  return waveTrades({ symbol, count: 4_000, stepMs: 8_000, seed });
}

/** Runs `core` over `trades`, cutting its effects into the groups a worker would send (one per trade that had any). */
function groupsOf(
  core: { step(event: Trade, out: SessionEffect[]): void },
  trades: readonly Trade[],
): SessionEffect[][] {
  const groups: SessionEffect[][] = [];
  for (const trade of trades) {
    const out: SessionEffect[] = [];
    core.step(trade, out);
    if (out.length > 0) groups.push(out);
  }
  return groups;
}

/** Asserts every group, several at a time (as several sessions' reports share a message), round-trips. */
function assertGroups(groups: readonly SessionEffect[][], what: string, kinds: string[]): void {
  const seen = new Set(groups.flat().map((e) => e.type));
  for (const kind of kinds) assert.ok(seen.has(kind as never), `${what}: has ${kind} effects`);
  const encoder = new Encoder();
  const decoder = new Decoder();
  for (let i = 0; i < groups.length; i += 7) {
    assertRoundTrip(encoder, decoder, groups.slice(i, i + 7), `${what}, groups from ${i}`);
  }
}

for (const name of ["ema_cross", "bollinger_breakout", "macd_trend", "rsi_reversion"]) {
  Deno.test(`effects of the ${name} example strategy round-trip as JSON does`, () => {
    const core = new SessionCore({ symbol: "BTCUSDT", strategy: strategyFile(name), execution });
    assertGroups(groupsOf(core, tradesOf("BTCUSDT", 7)), name, [
      "signal",
      "order",
      "fill",
      "trade_closed",
      "equity",
    ]);
  });
}

Deno.test("effects of a session with stops, targets, shorts and a risk halt round-trip as JSON does", () => {
  const parsed = parseStrategy(`
version: 1
name: flip-short-stops
timeframe: 1m
indicators:
  fast: { type: EMA, period: 3 }
  slow: { type: EMA, period: 8 }
entry:
  long: { crosses_above: [fast, slow] }
  short: { crosses_below: [fast, slow] }
risk:
  stop_loss: { percent: 0.3 }
  take_profit: { percent: 0.5 }
  trailing_stop: { percent: 0.4 }
sizing: { type: percent_of_equity, value: 90 }
`);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const risk: RiskLimits = { max_drawdown_percent: 1, max_consecutive_losses: 3 };
  const core = new SessionCore({
    symbol: "BTCUSDT",
    strategy: parsed.strategy,
    execution: resolveExecutionConfig({ initial_cash: 10_000, allow_short: true }),
    risk,
  });
  const groups = groupsOf(core, tradesOf("BTCUSDT", 3));
  const positions = groups.flat().flatMap((e) => e.type === "fill" ? [e.position] : []);
  assert.ok(positions.some((p) => p.quantity < 0), "a short position");
  assertGroups(groups, "stops and shorts", ["order", "fill", "trade_closed", "risk"]);
});

Deno.test("effects of a portfolio session round-trip as JSON does", () => {
  const core = new PortfolioCore({
    symbols: ["BTCUSDT", "ETHUSDT"],
    strategy: strategyFile("portfolio_ema_cross"),
    execution,
  });
  const trades = [...tradesOf("BTCUSDT", 11), ...tradesOf("ETHUSDT", 12)]
    .sort((a, b) => a.time - b.time || a.symbol.localeCompare(b.symbol));
  assertGroups(groupsOf(core, trades), "portfolio", ["signal", "order", "fill", "equity"]);
});

class Priced {
  constructor(readonly price: number, readonly hidden?: string) {}
}

Deno.test("hand-made values round-trip as JSON does: numbers, missing values, key order, nesting, odd keys", () => {
  const encoder = new Encoder();
  const decoder = new Decoder();
  const cases: [string, unknown[]][] = [
    ["non-finite numbers", [[NaN, Infinity, -Infinity], { a: NaN, b: -Infinity, c: 1 }]],
    ["negative zero", [-0, [-0], { zero: -0, nested: { zero: -0 } }]],
    [
      "extreme numbers",
      [[Number.MAX_VALUE, Number.MIN_VALUE, -Number.MAX_SAFE_INTEGER, 2 ** 60, 1e-300, 0.1 + 0.2]],
    ],
    [
      "undefined, functions and symbols",
      [
        { a: undefined, b: 1, c: () => 1, d: Symbol("x"), e: null },
        [undefined, () => 1, Symbol("y"), null],
        undefined,
        { only: undefined },
      ],
    ],
    ["holes", [[1, , 3]]], // a hole: JSON gives null
    [
      "key order, integer keys first as JSON puts them",
      [{ z: 1, a: 2, 10: "ten", 2: "two", m: { y: 1, b: 2 } }, { a: 2, z: 1 }],
    ],
    [
      "same keys, different values and shapes in one message",
      [{ type: "a", x: 1 }, { type: "a", x: undefined }, { x: 1, type: "a" }, {}, []],
    ],
    [
      "signal values with arbitrary keys",
      [{ values: { "ema(9)": 1.5, "bb.upper": 2, "": 0, 'q"uote': 1, "new\nline": 2 } }],
    ],
    ["__proto__ as an own key", [JSON.parse('{"__proto__": {"polluted": true}, "a": 1}')]],
    [
      "odd keys: backslashes, unicode, line separators",
      [{ "\\": 1, "\u2028\u2029": 2, "é🙂": 3, "}; throw 1; ({": 4, "constructor": 5 }],
    ],
    ["strings", [["", "BTCUSDT", "BTCUSDT", "\u0000", "🙂", "x".repeat(10_000)]]],
    ["booleans and null", [true, false, null, [true, null, false]]],
    ["deep nesting", [{ a: [{ b: [[{ c: [[[1]]] }]] }] }]],
    [
      "values that are not plain data travel as their JSON",
      [
        new Date(Date.UTC(2026, 0, 1)),
        { at: new Date(0), priced: new Priced(1, undefined), map: new Map([[1, 2]]) },
        { custom: { toJSON: () => ({ replaced: true }) }, gone: { toJSON: () => undefined } },
        [{ toJSON: () => undefined }],
        Object.create(null),
      ],
    ],
  ];
  for (const [what, values] of cases) assertRoundTrip(encoder, decoder, values, what);
  assert.throws(() => encoder.encode([{ big: 1n }]), TypeError, "a bigint throws as in JSON");
  assertRoundTrip(encoder, decoder, [{ after: "a throw", ok: true }], "the encoder after a throw");
});

Deno.test("an enumerable property put on Object.prototype is left out, as JSON leaves it out", () => {
  Object.defineProperty(Object.prototype, "inherited", {
    value: 1,
    enumerable: true,
    configurable: true,
  });
  try {
    assertRoundTrip(new Encoder(), new Decoder(), [{ a: 1, b: { c: 2 } }], "inherited key");
  } finally {
    delete (Object.prototype as { inherited?: number }).inherited;
  }
});

Deno.test("many distinct shapes across messages round-trip (the shape tables start afresh when large)", () => {
  const encoder = new Encoder();
  const decoder = new Decoder();
  for (let message = 0; message < 30; message++) {
    const values = Array.from({ length: 500 }, (_, i) => ({
      [`k${message}_${i}`]: i,
      shared: { [`n${i % 50}`]: message },
    }));
    assertRoundTrip(encoder, decoder, values, `message ${message}`);
  }
});

Deno.test("an empty message decodes to no values", () => {
  const encoded = new Encoder().encode([]);
  assert.deepStrictEqual(new Decoder().decode(encoded), []);
});
