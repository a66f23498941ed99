/**
 * Strategy documents built to probe the document limits: long indicator
 * chains, deep expressions, documents at every limit, large documents.
 * Shared by the tests and the strategy benchmark.
 */
import { STRATEGY_LIMITS } from "../../engine/core/strategy/mod.ts";

/** A valid strategy around `indicators` and an entry rule. */
export function strategyWith(
  indicators: Record<string, unknown>,
  long: unknown,
): Record<string, unknown> {
  return {
    version: 1,
    name: "probe",
    timeframe: "1m",
    indicators,
    entry: { long },
    sizing: { type: "percent_of_equity", value: 10 },
  };
}

/** A chain of `links` indicators, each an EMA of the one before (`i0` reads the close). */
export function chainStrategy(links: number): Record<string, unknown> {
  const indicators: Record<string, unknown> = { i0: { type: "SMA", period: 2 } };
  for (let i = 1; i < links; i++) {
    indicators[`i${i}`] = { type: "EMA", period: 2, input: `i${i - 1}` };
  }
  return strategyWith(indicators, { gt: [`i${links - 1}`, 0] });
}

/** A chain of `links` indicators as YAML text, one flow mapping per line. */
export function chainYaml(links: number): string {
  const lines = ["version: 1", "name: chain", "timeframe: 1m", "indicators:"];
  lines.push("  i0: { type: SMA, period: 2 }");
  for (let i = 1; i < links; i++) lines.push(`  i${i}: { type: EMA, period: 2, input: i${i - 1} }`);
  lines.push(`entry:\n  long: { gt: [i${links - 1}, 0] }`);
  lines.push("sizing: { type: percent_of_equity, value: 10 }");
  return lines.join("\n") + "\n";
}

/** An operand nesting `depth` arithmetic expressions: `{add: [{add: [… close …, 1]}, 1]}`. */
export function deepExpression(depth: number): unknown {
  let operand: unknown = "close";
  for (let i = 0; i < depth; i++) operand = { add: [operand, 1] };
  return operand;
}

/** JSON text of an object nesting `depth` levels: `{"a":{"a":…1…}}`. */
export function deepJson(depth: number): string {
  return '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
}

/** `count` comparisons `close > i` under one `any`. */
export function anyOf(count: number): unknown {
  return { any: Array.from({ length: count }, (_, i) => ({ gt: ["close", i] })) };
}

/** A condition nesting `depth` levels: `not` around … around `close > 1`. */
export function nots(depth: number): unknown {
  let condition: unknown = { gt: ["close", 1] };
  for (let i = 1; i < depth; i++) condition = { not: condition };
  return condition;
}

/**
 * A valid document at every limit at once: as many indicators as allowed in
 * chains as long as allowed, and as many conditions as allowed, one rule
 * nested as deeply as allowed.
 */
export function limitStrategy(): Record<string, unknown> {
  const { indicators: count, chainDepth, nesting, conditions } = STRATEGY_LIMITS;
  const indicators: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) {
    indicators[`i${i}`] = i % chainDepth === 0
      ? { type: "SMA", period: 2 }
      : { type: "EMA", period: 2, input: `i${i - 1}` };
  }
  return {
    ...strategyWith(indicators, anyOf(conditions - nesting - 1)),
    exit: { long: nots(nesting) },
  };
}

/** A valid YAML document of about 50 KB (250 indicators, 490 conditions): slow to parse. */
export function largeYaml(): string {
  const names = Array.from({ length: 250 }, (_, i) => `indicator_with_a_long_name_${i}`);
  const lines = ["version: 1", "name: large", "timeframe: 1m", "indicators:"];
  for (const name of names) lines.push(`  ${name}: { type: SMA, period: 5, source: close }`);
  lines.push("entry:", "  long:", "    any:");
  for (let i = 0; i < 490; i++) lines.push(`      - gt: [${names[i % names.length]}, ${i}]`);
  lines.push("sizing: { type: percent_of_equity, value: 10 }");
  return lines.join("\n") + "\n";
}
