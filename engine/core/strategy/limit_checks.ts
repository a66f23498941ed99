/**
 * The checks of {@link STRATEGY_LIMITS}, each linear in the document and
 * without recursion deeper than the limits allow, so a hostile document is
 * refused cheaply before anything recursive (YAML composition, the schema)
 * walks it.
 *
 * @module
 */

import { Lexer } from "yaml";
import { indicatorType } from "./indicator_types.ts";
import { formatCount, STRATEGY_LIMITS } from "./limits.ts";
import type { Strategy } from "./schema.ts";
import { ARITHMETIC_OPERATORS, LOGICAL_OPERATORS, PAIR_OPERATORS } from "./vocabulary.ts";

/** One limit problem: where and what (the shape of a strategy error). */
export interface LimitProblem {
  path: string;
  message: string;
}

const LIMITS = STRATEGY_LIMITS;

/** Size of a string in UTF-8 bytes. */
function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next < 0xe000) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** Checks the size of a document's text (`what` names the form measured, e.g. "as JSON"). */
export function checkSize(text: string, what = ""): LimitProblem | undefined {
  if (text.length <= LIMITS.sourceBytes / 3) return undefined;
  const bytes = utf8Bytes(text);
  if (bytes <= LIMITS.sourceBytes) return undefined;
  return {
    path: "",
    message: `the document is ${formatCount(bytes)} bytes${what ? ` ${what}` : ""}; the limit is ${
      formatCount(LIMITS.sourceBytes)
    } bytes`,
  };
}

/**
 * Checks the source text before it is parsed: its size, and how deeply its
 * flow collections (`[…]`, `{…}`, JSON) nest, stopping at the first token past
 * the limit. Block (indented) nesting is bounded by the size and is measured
 * on the parsed value by {@link checkDepth}.
 */
export function checkSource(text: string): LimitProblem | undefined {
  const tooLarge = checkSize(text);
  if (tooLarge) return tooLarge;
  let depth = 0;
  for (const token of new Lexer().lex(text)) {
    if (token === "[" || token === "{") {
      if (++depth > LIMITS.documentDepth) {
        return {
          path: "",
          message: `the document nests more than ${LIMITS.documentDepth} levels of mappings and ` +
            `lists (the limit)`,
        };
      }
    } else if (token === "]" || token === "}") depth--;
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** A mapping or list being measured by {@link heightOf}. */
interface Frame {
  readonly node: object;
  readonly children: unknown[];
  next: number;
  height: number;
}

/**
 * How many levels of mappings and lists `value` holds (a scalar: 0), or
 * undefined when it contains itself (a recursive YAML alias). Iterative, and
 * linear even when parts are shared: `heights` remembers measured parts.
 */
function heightOf(value: unknown, heights: Map<object, number>): number | undefined {
  if (!isObject(value)) return 0;
  const known = heights.get(value);
  if (known !== undefined) return known;
  const onPath = new Set<object>([value]);
  const stack: Frame[] = [{ node: value, children: Object.values(value), next: 0, height: 0 }];
  let height = 0;
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.next < top.children.length) {
      const child = top.children[top.next++];
      if (!isObject(child)) continue;
      const measured = heights.get(child);
      if (measured !== undefined) top.height = Math.max(top.height, measured);
      else if (onPath.has(child)) return undefined;
      else {
        onPath.add(child);
        stack.push({ node: child, children: Object.values(child), next: 0, height: 0 });
      }
      continue;
    }
    height = top.height + 1;
    heights.set(top.node, height);
    onPath.delete(top.node);
    stack.pop();
    if (stack.length > 0) {
      stack[stack.length - 1].height = Math.max(stack[stack.length - 1].height, height);
    }
  }
  return height;
}

/**
 * Checks how deeply a parsed document nests, naming the top-level field that
 * nests deepest, and that it does not contain itself. Iterative: any depth.
 * Run it before anything that recurses over the document.
 */
export function checkDepth(doc: Record<string, unknown>): LimitProblem | undefined {
  const heights = new Map<object, number>();
  let deepest = { depth: 1, key: "" };
  for (const [key, value] of Object.entries(doc)) {
    const height = heightOf(value, heights);
    if (height === undefined) {
      return { path: key, message: "the document contains itself (a recursive alias)" };
    }
    if (height + 1 > deepest.depth) deepest = { depth: height + 1, key };
  }
  if (deepest.depth <= LIMITS.documentDepth) return undefined;
  return {
    path: deepest.key,
    message: `nested ${formatCount(deepest.depth)} levels of mappings and lists deep; the ` +
      `limit is ${LIMITS.documentDepth}`,
  };
}

/** Counts the conditions and expressions of one rule and how deeply they nest. */
class RuleTally {
  count = 0;
  deepest = 0;

  condition(node: unknown, level: number): void {
    if (!this.#visit(node, level)) return;
    this.#operands(node, PAIR_OPERATORS, level);
    for (const op of LOGICAL_OPERATORS) {
      const inner = node[op];
      if (op === "not") this.condition(inner, level + 1);
      else if (Array.isArray(inner)) { for (const c of inner) this.condition(c, level + 1); }
    }
  }

  operand(node: unknown, level: number): void {
    if (this.#visit(node, level)) this.#operands(node, ARITHMETIC_OPERATORS, level);
  }

  #operands(node: Record<string, unknown>, operators: readonly string[], level: number): void {
    for (const op of operators) {
      const pair = node[op];
      if (Array.isArray(pair)) { for (const operand of pair) this.operand(operand, level + 1); }
    }
  }

  /** Counts a condition or expression (a mapping); false for anything else. */
  #visit(node: unknown, level: number): node is Record<string, unknown> {
    if (!isObject(node) || Array.isArray(node)) return false;
    this.count++;
    if (level > this.deepest) this.deepest = level;
    return true;
  }
}

/**
 * Checks the counts of a document within the depth limit: indicators, and the
 * conditions and expressions of its rules (how many, how deeply nested).
 */
export function checkCounts(doc: Record<string, unknown>): LimitProblem[] {
  const problems: LimitProblem[] = [];
  if (isObject(doc.indicators)) {
    const count = Object.keys(doc.indicators).length;
    if (count > LIMITS.indicators) {
      problems.push({
        path: "indicators",
        message: `${formatCount(count)} indicators; the limit is ${LIMITS.indicators}`,
      });
    }
  }
  let conditions = 0;
  for (const section of ["entry", "exit"]) {
    const rules = doc[section];
    if (!isObject(rules)) continue;
    for (const side of ["long", "short"]) {
      const tally = new RuleTally();
      tally.condition(rules[side], 1);
      conditions += tally.count;
      if (tally.deepest > LIMITS.nesting) {
        problems.push({
          path: `${section}.${side}`,
          message:
            `conditions and expressions nest ${tally.deepest} levels deep; the limit is ${LIMITS.nesting}`,
        });
      }
    }
  }
  if (conditions > LIMITS.conditions) {
    problems.push({
      path: "",
      message: `the rules hold ${
        formatCount(conditions)
      } conditions and expressions; the limit is ${formatCount(LIMITS.conditions)}`,
    });
  }
  return problems;
}

/** Checks the cost of a validated strategy: the inputs its indicators need before their first values. */
export function checkCost(strategy: Strategy): LimitProblem | undefined {
  let cost = 0;
  let largest = { name: "", needed: 0 };
  for (const [name, params] of Object.entries(strategy.indicators)) {
    const needed = indicatorType(params.type)?.needed(params) ?? 0;
    cost += needed;
    if (needed > largest.needed) largest = { name, needed };
  }
  if (cost <= LIMITS.cost) return undefined;
  return {
    path: "indicators",
    message: `the indicators cost ${formatCount(cost)} (the inputs each needs before its first ` +
      `value, summed; largest: '${largest.name}' ${formatCount(largest.needed)}); the limit is ${
        formatCount(LIMITS.cost)
      }`,
  };
}
