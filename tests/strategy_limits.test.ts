import assert from "node:assert/strict";
import { parseStrategy, STRATEGY_LIMITS, type StrategyError } from "../engine/core/strategy/mod.ts";
import {
  anyOf,
  chainStrategy,
  chainYaml,
  deepExpression,
  deepJson,
  limitStrategy,
  nots,
  strategyWith,
} from "../fixtures/strategy_documents.ts";

function errorsOf(input: unknown): StrategyError[] {
  const result = parseStrategy(input);
  assert.equal(result.ok, false, "expected the document to be refused");
  return result.ok ? [] : result.errors;
}

function assertValid(input: unknown, what: string): void {
  const result = parseStrategy(input);
  assert.ok(result.ok, `${what}: ${JSON.stringify(!result.ok && result.errors.slice(0, 3))}`);
}

/** `count` independent SMAs of `period` (names s0, s1, …). */
function smas(count: number, period: number): Record<string, unknown> {
  return Object.fromEntries(
    Array.from({ length: count }, (_, i) => [`s${i}`, { type: "SMA", period }]),
  );
}

Deno.test("every example and a large realistic strategy are well within the limits", async () => {
  for await (const entry of Deno.readDir(new URL("../strategies/", import.meta.url))) {
    const text = await Deno.readTextFile(new URL(`../strategies/${entry.name}`, import.meta.url));
    assertValid(text, entry.name);
  }
  // 40 indicators, chains of 5, 80 conditions nested 8 deep, SMA(200)s on a larger timeframe.
  const indicators: Record<string, unknown> = {};
  for (let c = 0; c < 8; c++) {
    indicators[`base${c}`] = { type: "SMA", period: 200, timeframe: "15m" };
    for (let k = 1; k < 5; k++) {
      indicators[`c${c}_${k}`] = {
        type: "EMA",
        period: 50,
        input: k === 1 ? `base${c}` : `c${c}_${k - 1}`,
      };
    }
  }
  let nested: unknown = { crosses_above: ["c0_4", { mul: ["c1_4", { add: [1, 0.01] }] }] };
  for (let i = 0; i < 5; i++) nested = { all: [nested, { lt: ["close", "base2"] }] };
  const realistic = {
    ...strategyWith(indicators, { any: [nested, ...(anyOf(70) as { any: unknown[] }).any] }),
    timeframe: "5m",
  };
  assertValid(realistic, "realistic strategy");
  assertValid(JSON.stringify(realistic), "realistic strategy as JSON text");
});

Deno.test("a document at every limit at once validates", () => {
  const doc = limitStrategy();
  assertValid(doc, "object");
  assertValid(JSON.stringify(doc), "JSON text");
  assertValid(strategyWith(smas(STRATEGY_LIMITS.cost / 5000, 5000), { gt: ["s0", 0] }), "cost");
});

Deno.test("each limit refuses a document with the limit and the document's value", () => {
  const cases: [string, unknown, string, RegExp][] = [
    [
      "source size",
      `# ${"x".repeat(70_000)}\n${chainYaml(2)}`,
      "",
      /^the document is 70,\d{3} bytes; the limit is 65,536 bytes$/,
    ],
    [
      "size as JSON",
      { ...chainStrategy(2), description: "y".repeat(70_000) },
      "",
      /^the document is 70,\d{3} bytes as JSON; the limit is 65,536 bytes$/,
    ],
    [
      "indicators",
      strategyWith(smas(257, 5), { gt: ["s0", 0] }),
      "indicators",
      /^257 indicators; the limit is 256$/,
    ],
    [
      "a 3000-link chain",
      chainYaml(3000),
      "",
      /^the document is \d+,\d{3} bytes; the limit is 65,536/,
    ],
    [
      "a 1000-link chain",
      chainStrategy(1000),
      "indicators",
      /^1,000 indicators; the limit is 256$/,
    ],
    [
      "chain depth",
      chainStrategy(33),
      "indicators.i32.input",
      /^a chain of 33 indicators, each reading the next \('i32' ← … ← 'i0'\); the limit is 32$/,
    ],
    [
      "expression nesting",
      strategyWith({}, { gt: [deepExpression(40), 0] }),
      "entry.long",
      /^conditions and expressions nest 41 levels deep; the limit is 32$/,
    ],
    [
      "condition nesting",
      strategyWith({}, nots(33)),
      "entry.long",
      /^conditions and expressions nest 33 levels deep; the limit is 32$/,
    ],
    [
      "conditions",
      strategyWith({}, anyOf(600)),
      "",
      /^the rules hold 601 conditions and expressions; the limit is 500$/,
    ],
    [
      "cost",
      strategyWith(smas(21, 5000), { gt: ["s0", 0] }),
      "indicators",
      /^the indicators cost 105,000 \(.*largest: 's0' 5,000\); the limit is 100,000$/,
    ],
    [
      "a 5000-deep expression",
      strategyWith({}, { gt: [deepExpression(5000), 0] }),
      "entry",
      /^nested 10,00\d levels of mappings and lists deep; the limit is 100$/,
    ],
    [
      "a 5000-deep expression as text",
      JSON.stringify(strategyWith({}, { gt: [deepExpression(5000), 0] })),
      "",
      /^the document nests more than 100 levels of mappings and lists \(the limit\)$/,
    ],
    [
      "a 100,000-deep document",
      JSON.parse(deepJson(100_000)),
      "a",
      /^nested 100,000 levels of mappings and lists deep; the limit is 100$/,
    ],
    [
      "a 100,000-deep flow YAML document",
      `version: 1\nname: ${"[".repeat(100_000 / 4)}`,
      "",
      /^the document nests more than 100 levels/,
    ],
    [
      "deep block YAML",
      "version: 1\nname: x\ndescription:\n" +
      Array.from({ length: 200 }, (_, i) => `${" ".repeat(i + 1)}- `).join("\n") + "1\n",
      "description",
      /^nested 201 levels of mappings and lists deep; the limit is 100$/,
    ],
    [
      "a recursive YAML alias",
      "version: 1\nname: x\nentry:\n  long: &c { all: [*c] }\n",
      "entry",
      /^the document contains itself \(a recursive alias\)$/,
    ],
    [
      "150 YAML aliases",
      `version: 1\nname: &n x\ndescription: [${Array(150).fill("*n").join(", ")}]\n`,
      "",
      /^the document expands more than 100 aliases \(\*name\); the limit is 100$/,
    ],
    [
      "a YAML alias without its anchor",
      "version: 1\nname: *nowhere\n",
      "",
      /^syntax error: Unresolved alias \(the anchor must be set before the alias\): nowhere$/,
    ],
  ];
  for (const [what, input, path, message] of cases) {
    const errors = errorsOf(input);
    assert.equal(errors.length, 1, `${what}: one error, got ${JSON.stringify(errors)}`);
    assert.equal(errors[0].path, path, what);
    assert.match(errors[0].message, message, what);
  }
});

Deno.test("a long cycle is reported once, from its first-declared member", () => {
  const indicators: Record<string, unknown> = {};
  for (let i = 0; i < 200; i++) {
    indicators[`c${i}`] = { type: "EMA", period: 2, input: `c${(i + 1) % 200}` };
  }
  indicators.tail = { type: "EMA", period: 2, input: "c5" };
  const errors = errorsOf(strategyWith(indicators, { gt: ["tail", 0] }));
  const cyclic = errors.filter((e) => /cyclic/.test(e.message));
  assert.equal(cyclic.length, 1, JSON.stringify(errors));
  assert.equal(cyclic[0].path, "indicators.c0.input");
  assert.match(cyclic[0].message, /^cyclic indicator inputs: c0 → c1 → .* → c199 → c0$/);
});

Deno.test("duplicate keys are refused with their line, however many keys a mapping has", () => {
  const keys = Array.from({ length: 2000 }, (_, i) => `  k${i}: 1`).join("\n");
  const errors = errorsOf(`version: 1\nname: x\ndescription:\n${keys}\n  k7: 2\nname: y\n`);
  assert.deepEqual(errors.map((e) => e.message), [
    "syntax error at line 2004, column 3: Map keys must be unique",
    "syntax error at line 2005, column 1: Map keys must be unique",
  ]);
});

Deno.test("at most 100 problems are listed; the rest are counted", () => {
  const errors = errorsOf(
    strategyWith({}, { any: Array.from({ length: 300 }, (_, i) => ({ gt: [`nope${i}`, 1] })) }),
  );
  assert.equal(errors.length, STRATEGY_LIMITS.errors + 1);
  assert.equal(errors[0].message, "unknown indicator 'nope0' (known: none)");
  assert.deepEqual(errors.at(-1), { path: "", message: "and 200 more problems" });
});
