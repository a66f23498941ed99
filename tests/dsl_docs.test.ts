/**
 * docs/dsl.md cannot drift from the DSL: it names every field, indicator,
 * parameter (with its default), source, timeframe and operator the schema
 * accepts, every YAML example in it compiles, it shows every shipped example
 * strategy, and the strategy editor's link to it is served.
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import { parse as parseYaml } from "yaml";
import {
  CANDLE_FIELDS,
  compileStrategy,
  INDICATOR_TYPES,
  parseStrategy,
  SOURCES,
  strategySchema,
} from "../engine/core/strategy/mod.ts";
import { indicatorSchema } from "../engine/core/strategy/indicator_schemas.ts";
import StrategyEditor from "../islands/StrategyEditor.tsx";
import { docsRoutes } from "../routes/docs.ts";

const DOC = await Deno.readTextFile(new URL("../docs/dsl.md", import.meta.url));

/** Words written as code in the document (inline spans and code blocks). */
const CODE_WORDS = new Set(
  [...DOC.matchAll(/```[a-z]*\n([\s\S]*?)```|`([^`\n]+)`/g)]
    .flatMap((m) => (m[1] ?? m[2]).split(/[^A-Za-z0-9_]+/))
    .filter(Boolean),
);

/** A zod schema as far as this walk needs it (zod v4's `def`). */
interface Schema {
  readonly def: Record<string, unknown> & { type: string };
}

/** Every object key and every string literal/enum value a schema accepts, walked recursively. */
function vocabulary(
  schema: Schema,
  found = new Set<string>(),
  seen = new Set<Schema>(),
): Set<string> {
  if (seen.has(schema)) return found;
  seen.add(schema);
  const def = schema.def;
  const walk = (child: unknown) => vocabulary(child as Schema, found, seen);
  switch (def.type) {
    case "object":
      for (const [key, child] of Object.entries(def.shape as Record<string, Schema>)) {
        found.add(key);
        walk(child);
      }
      break;
    case "optional":
    case "default":
    case "nullable":
      walk(def.innerType);
      break;
    case "lazy":
      walk((def.getter as () => Schema)());
      break;
    case "union":
      (def.options as Schema[]).forEach(walk);
      break;
    case "record":
      walk(def.valueType);
      break;
    case "array":
      walk(def.element);
      break;
    case "tuple":
      (def.items as Schema[]).forEach(walk);
      break;
    case "literal":
      for (const value of def.values as unknown[]) if (typeof value === "string") found.add(value);
      break;
    case "enum":
      for (const value of Object.values(def.entries as Record<string, unknown>)) {
        if (typeof value === "string") found.add(value);
      }
      break;
  }
  return found;
}

Deno.test("docs/dsl.md names every field, indicator, source, timeframe and operator", () => {
  const words = new Set([
    ...vocabulary(strategySchema as unknown as Schema),
    ...Object.keys(INDICATOR_TYPES),
    ...CANDLE_FIELDS,
    ...SOURCES,
  ]);
  assert.ok(words.size > 60, `the schema walk found only ${words.size} words`);
  const missing = [...words].filter((word) => !CODE_WORDS.has(word));
  assert.deepEqual(missing, [], `docs/dsl.md does not mention: ${missing.join(", ")}`);
});

Deno.test("docs/dsl.md gives every indicator's parameters with their defaults", () => {
  const rows = DOC.split("\n").filter((line) => line.startsWith("| `"));
  for (const option of (indicatorSchema as unknown as { options: Schema[] }).options) {
    const shape = option.def.shape as Record<string, Schema>;
    const type = shape.type.def;
    const names = type.type === "enum"
      ? Object.values(type.entries as Record<string, string>)
      : type.values as string[];
    for (const name of names) {
      const row = rows.find((line) => line.includes(`\`${name}\``));
      assert.ok(row, `docs/dsl.md has no table row for indicator ${name}`);
      for (const [param, schema] of Object.entries(shape)) {
        if (["type", "timeframe", "input"].includes(param)) continue;
        if (param === "source" && schema.def.type === "optional") continue;
        const fallback = schema.def.type === "default" ? schema.def.defaultValue : undefined;
        const written = fallback === undefined
          ? "(required)"
          : typeof fallback === "string"
          ? `(\`${fallback}\`)`
          : `(${fallback})`;
        assert.ok(
          row.includes(`\`${param}\` ${written}`),
          `the row of ${name} should read \`${param}\` ${written}: ${row}`,
        );
      }
    }
  }
});

/** What a fragment of an example is completed with: a valid strategy declaring what fragments use. */
const BASE = {
  version: 1,
  name: "fragment",
  timeframe: "1m",
  indicators: {
    macd: { type: "MACD" },
    trend: { type: "EMA", period: 20, timeframe: "5m" },
    atr14: { type: "ATR" },
  },
  entry: { long: { gt: ["close", "trend"] } },
  sizing: { type: "percent_of_equity", value: 10 },
};

Deno.test("every YAML example in docs/dsl.md parses and compiles", () => {
  const blocks = [...DOC.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(blocks.length >= 8, `only ${blocks.length} YAML examples found`);
  for (const block of blocks) {
    const value = parseYaml(block) as Record<string, unknown>;
    // A whole document stands alone; a fragment completes the base document.
    const parsed = "version" in value ? parseStrategy(block) : parseStrategy({ ...BASE, ...value });
    assert.ok(
      parsed.ok,
      `example does not validate:\n${block}\n${
        parsed.ok ? "" : parsed.errors.map((e) => `${e.path}: ${e.message}`).join("\n")
      }`,
    );
    assert.ok(compileStrategy(parsed.strategy).warmupCandles >= 1, "the example compiles");
  }
});

Deno.test("docs/dsl.md shows every example strategy in strategies/, as it is", async () => {
  let count = 0;
  for await (const entry of Deno.readDir(new URL("../strategies/", import.meta.url))) {
    if (!entry.name.endsWith(".yaml")) continue;
    count++;
    const text = await Deno.readTextFile(new URL(`../strategies/${entry.name}`, import.meta.url));
    assert.ok(DOC.includes(text.trimEnd()), `docs/dsl.md does not show strategies/${entry.name}`);
  }
  assert.ok(count >= 5, `only ${count} example strategies found`);
});

Deno.test("the strategy editor links to the DSL reference, and the link is served", async () => {
  const html = renderToString(h(StrategyEditor, { strategies: [], builtIns: [], selected: null }));
  const href = html.match(/href="(\/docs\/[^"]+)"/)?.[1];
  assert.equal(href, "/docs/dsl.md", "the editor links to /docs/dsl.md");
  const app = new Hono().route("/docs", docsRoutes());
  const response = await app.request(href);
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/markdown/);
  assert.equal(await response.text(), DOC);
  const missing = await app.request("/docs/nope.md");
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
  const outside = await app.request("/docs/..%2FREADME.md");
  assert.equal(outside.status, 404, "only files in docs/ are served");
  await outside.body?.cancel();
});
