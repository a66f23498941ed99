/**
 * Compilation of a strategy document: validation followed by planning.
 *
 * @module
 */

import { parseStrategy } from "./parse.ts";
import { type CompiledStrategy, planStrategy } from "./plan.ts";
import type { Strategy } from "./schema.ts";

/** Compiles a validated strategy into an immutable plan (indicator graph, timeframes, warm-up). Throws TypeError when `strategy` does not validate. */
export function compileStrategy(strategy: Strategy): CompiledStrategy {
  const parsed = parseStrategy(strategy);
  if (!parsed.ok) {
    const first = parsed.errors.slice(0, 3).map((e) => `${e.path}: ${e.message}`).join("; ");
    throw new TypeError(`cannot compile an invalid strategy: ${first}`);
  }
  return planStrategy(parsed.strategy);
}
