import assert from "node:assert/strict";
import fc from "fast-check";
import { compileStrategy, parseStrategy, StrategyEvaluator } from "../engine/core/strategy/mod.ts";

const CANONICAL = `version: 1
name: rsi-reversion
timeframe: 1m
indicators:
  rsi: { type: RSI, period: 14 }
entry:
  long: { crosses_below: [rsi, 30] }
exit:
  long: { crosses_above: [rsi, 70] }
sizing: { type: percent_of_equity, value: 50 }
`;

function errorsOf(input: unknown) {
  const result = parseStrategy(input);
  assert.equal(result.ok, false, "expected validation errors");
  return result.ok ? [] : result.errors;
}

function base(extra: Record<string, unknown> = {}) {
  return {
    version: 1,
    name: "t",
    timeframe: "1m",
    indicators: { fast: { type: "EMA", period: 3 }, slow: { type: "EMA", period: 5 } },
    entry: { long: { crosses_above: ["fast", "slow"] } },
    sizing: { type: "percent_of_equity", value: 10 },
    ...extra,
  };
}

Deno.test("the canonical document validates with defaults applied", () => {
  const result = parseStrategy(CANONICAL);
  assert.ok(result.ok);
  assert.equal(result.strategy.risk.max_open_positions, 1);
  assert.equal(result.strategy.risk.cooldown_candles, 0);
  assert.deepEqual(result.strategy.orders.entry, { type: "market" });
  assert.ok(parseStrategy(JSON.stringify(base())).ok, "JSON text");
  assert.ok(parseStrategy(base()).ok, "parsed object");
});

Deno.test("all errors are reported at once, each with its path", () => {
  const errors = errorsOf(base({
    indicators: {
      fast: { type: "EMA", period: 3 },
      slow: { type: "EMA", period: 0 },
      m: { type: "MACD" },
      q: { type: "FOO" },
    },
    entry: {
      long: {
        all: [{ gt: ["m.macd", 0] }, { crosses_above: ["slow2", "fast"] }, { lt: ["m.foo", 1] }],
      },
    },
  }));
  const byPath = Object.fromEntries(errors.map((e) => [e.path, e.message]));
  assert.match(byPath["indicators.slow.period"], />=1/);
  assert.match(byPath["indicators.q.type"], /unknown indicator type "FOO" \(known: SMA, EMA/);
  assert.equal(
    byPath["entry.long.all[1].crosses_above[0]"],
    "unknown indicator 'slow2' (known: fast, slow, m, q)",
  );
  assert.equal(
    byPath["entry.long.all[2].lt[0]"],
    "unknown output 'm.foo' (known: macd, signal, histogram)",
  );
});

Deno.test("graph and risk errors", () => {
  const cyclic = errorsOf(base({
    indicators: {
      a: { type: "EMA", period: 3, input: "b" },
      b: { type: "EMA", period: 3, input: "a" },
      fast: { type: "EMA", period: 3 },
      slow: { type: "SMA", period: 5 },
    },
  }));
  assert.ok(cyclic.some((e) => e.path === "indicators.a.input" && /cyclic/.test(e.message)));
  const risk = errorsOf(base({ sizing: { type: "risk_per_trade", value: 1 } }));
  assert.deepEqual(risk, [{
    path: "sizing.type",
    message: "risk_per_trade sizing requires risk.stop_loss",
  }]);
  const atr = errorsOf(base({ risk: { stop_loss: { atr: "fast", multiple: 2 } } }));
  assert.match(atr[0].message, /'fast' is not an ATR indicator/);
  const noEntry = errorsOf(base({ entry: {} }));
  assert.equal(noEntry[0].path, "entry");
  const tf = errorsOf(base({
    timeframe: "5m",
    indicators: {
      fast: { type: "EMA", period: 3, timeframe: "3m" },
      slow: { type: "EMA", period: 5 },
    },
  }));
  assert.equal(tf[0].path, "indicators.fast.timeframe");
});

Deno.test("indicator names no reference could reach are refused, in YAML, JSON and objects", () => {
  const reserved =
    /^indicator name '(__proto__|constructor|prototype)' is reserved; choose another/;
  const field = /^indicator name '(close|volume)' is a candle field: .* could never be used/;
  for (
    const [name, message] of [
      ["__proto__", reserved],
      ["constructor", reserved],
      ["prototype", reserved],
      ["close", field],
      ["volume", field],
    ] as const
  ) {
    const yaml = CANONICAL.replaceAll("rsi", name);
    const json = JSON.stringify(base({
      indicators: { [name]: { type: "EMA", period: 2 } },
      entry: { long: { crosses_above: ["open", name] } },
    }));
    for (const [form, input] of [["YAML", yaml], ["JSON", json], ["object", JSON.parse(json)]]) {
      const errors = errorsOf(input);
      const error = errors.find((e) => e.path === `indicators.${name}`);
      assert.ok(error, `${name} (${form}): ${JSON.stringify(errors)}`);
      assert.match(error.message, message, `${name} (${form})`);
    }
  }
  const near = base({
    indicators: { closes: { type: "EMA", period: 2 } },
    entry: { long: { gt: ["closes", 0] } },
  });
  assert.ok(parseStrategy(near).ok, "a name that only starts like a candle field is fine");
});

Deno.test("YAML syntax errors name the line", () => {
  const errors = errorsOf("version: 1\nname: [unclosed\ntimeframe: 1m\n");
  assert.match(errors[0].message, /line \d+/);
  assert.deepEqual(errorsOf("just text")[0].path, "");
});

const operand = fc.oneof(
  fc.constantFrom("fast", "slow", "close", "volume", "bb.upper", "m.signal"),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
);
const pairOp = fc.constantFrom("gt", "gte", "lt", "lte", "eq", "crosses_above", "crosses_below");
const expr = fc.oneof(
  operand,
  fc.record({ op: fc.constantFrom("add", "sub", "mul", "div"), a: operand, b: operand }).map((
    { op, a, b },
  ) => ({ [op]: [a, b] })),
);
const { condition } = fc.letrec((tie) => ({
  condition: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({ op: pairOp, a: expr, b: expr }).map(({ op, a, b }) => ({ [op]: [a, b] })),
    fc.array(tie("condition"), { minLength: 1, maxLength: 3 }).map((all) => ({ all })),
    fc.array(tie("condition"), { minLength: 1, maxLength: 3 }).map((any) => ({ any })),
    tie("condition").map((not) => ({ not })),
  ),
}));
const documentArb = fc.record({
  fast: fc.integer({ min: 1, max: 30 }),
  slow: fc.integer({ min: 1, max: 30 }),
  tf: fc.constantFrom("1m", "5m", "15m"),
  entryLong: condition,
  entryShort: fc.option(condition, { nil: undefined }),
  exitLong: fc.option(condition, { nil: undefined }),
  maxOpen: fc.integer({ min: 1, max: 3 }),
  cooldown: fc.integer({ min: 0, max: 5 }),
}).map((p) =>
  base({
    timeframe: "1m",
    indicators: {
      fast: { type: "EMA", period: p.fast, timeframe: p.tf },
      slow: { type: "SMA", period: p.slow },
      bb: { type: "BBANDS", input: "slow" },
      m: { type: "MACD", fast: 3, slow: 6, signal: 2 },
      atr: { type: "ATR", period: 5 },
    },
    entry: { long: p.entryLong, short: p.entryShort },
    exit: { long: p.exitLong },
    risk: {
      stop_loss: { atr: "atr", multiple: 2 },
      max_open_positions: p.maxOpen,
      cooldown_candles: p.cooldown,
    },
    sizing: { type: "risk_per_trade", value: 1 },
  })
);

Deno.test("property: random valid documents validate, compile and run", () => {
  fc.assert(
    fc.property(documentArb, (doc) => {
      const result = parseStrategy(JSON.parse(JSON.stringify(doc)));
      assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
      const evaluator = new StrategyEvaluator(compileStrategy(result.strategy), {
        onSignal: (s) => evaluator.setPosition(s.kind === "entry" ? s.side : "flat", 1),
      });
      let price = 100;
      for (let i = 0; i < 400; i++) {
        price *= 1 + Math.sin(i * 0.7) * 0.01;
        evaluator.onTrade({
          type: "trade",
          symbol: "X",
          id: i,
          price,
          qty: 1,
          time: i * 20_000,
          buyerMaker: false,
        });
      }
      assert.ok(evaluator.stats.candles > 0);
    }),
    { numRuns: 60 },
  );
});

/** Replaces the value at a random path of a JSON-like tree. */
function corrupt(doc: unknown, picks: number[], junk: unknown): unknown {
  if (picks.length === 0 || typeof doc !== "object" || doc === null) return junk;
  const keys = Object.keys(doc);
  if (keys.length === 0) return junk;
  const key = keys[picks[0] % keys.length];
  const copy: Record<string, unknown> = Array.isArray(doc) ? [...doc] as never : { ...doc };
  copy[key] = corrupt((doc as Record<string, unknown>)[key], picks.slice(1), junk);
  return copy;
}

Deno.test("property: corrupted documents give errors with paths, never a throw", () => {
  const junk = fc.oneof(
    fc.constantFrom(null, -1, 0, "zzz", "macd.foo", [], {}, [1], { type: "NOPE" }, true),
    fc.anything(),
  );
  fc.assert(
    fc.property(
      documentArb,
      fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
      junk,
      (doc, picks, bad) => {
        const mutated = corrupt(JSON.parse(JSON.stringify(doc)), picks, bad);
        const result = parseStrategy(mutated);
        if (!result.ok) {
          assert.ok(result.errors.length > 0);
          for (const e of result.errors) {
            assert.equal(typeof e.path, "string");
            assert.ok(e.message.length > 0);
          }
        } else compileStrategy(result.strategy);
      },
    ),
    { numRuns: 300 },
  );
  fc.assert(fc.property(fc.string(), (text) => {
    const result = parseStrategy(CANONICAL.slice(0, text.length % CANONICAL.length) + text);
    assert.ok(result.ok || result.errors.length > 0);
  }));
});
