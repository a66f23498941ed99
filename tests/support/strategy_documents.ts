/**
 * Strategy documents built to probe the document limits: long indicator
 * chains, deep expressions, many costly indicators. Shared by the tests and
 * the strategy benchmark.
 */

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
