/**
 * Parsing and validation of strategy documents: YAML/JSON text or an
 * already-parsed object in, a validated {@link Strategy} or every error (each
 * with its path) out. Never throws. Documents beyond the limits
 * (`limits.ts`) are refused before anything recursive reads them, and every
 * step is linear in the size of the document.
 *
 * @module
 */

import { type Document, isScalar, LineCounter, parseDocument, visit } from "yaml";
import type { z } from "zod";
import { errorText } from "../error_text.ts";
import { type Timeframe, timeframeMs, TIMEFRAMES } from "../types.ts";
import { looksLikeSymbolReference, symbolReference } from "./cross_symbol.ts";
import { INDICATOR_TYPES, indicatorType } from "./indicator_types.ts";
import { checkCost, checkCounts, checkDepth, checkSize, checkSource } from "./limit_checks.ts";
import { formatCount, STRATEGY_LIMITS } from "./limits.ts";
import { type Strategy, strategySchema } from "./schema.ts";
import {
  ARITHMETIC_OPERATORS,
  CANDLE_FIELDS,
  LOGICAL_OPERATORS,
  PAIR_OPERATORS,
} from "./vocabulary.ts";

/** One validation problem: where (`entry.long.all[1].gt[0]`) and what. */
export interface StrategyError {
  path: string;
  message: string;
}

/** Outcome of {@link parseStrategy}. */
export type ParseResult = { ok: true; strategy: Strategy } | { ok: false; errors: StrategyError[] };

/** Formats a path (`["entry", "long", "all", 1]`) as `entry.long.all[1]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** Parses YAML or JSON text, or validates an already-parsed object. Never throws. */
export function parseStrategy(input: unknown): ParseResult {
  try {
    return validate(input);
  } catch (error) {
    return {
      ok: false,
      errors: [{ path: "", message: `cannot validate strategy: ${errorText(error)}` }],
    };
  }
}

function validate(input: unknown): ParseResult {
  let doc = input;
  if (typeof input === "string") {
    const problem = checkSource(input);
    if (problem) return { ok: false, errors: [problem] };
    const parsed = parseText(input);
    if (!parsed.ok) return parsed;
    doc = parsed.value;
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    return {
      ok: false,
      errors: [{ path: "", message: `a strategy must be a mapping, got ${describe(doc)}` }],
    };
  }
  const record = doc as Record<string, unknown>;
  const tooDeep = checkDepth(record);
  if (tooDeep) return { ok: false, errors: [tooDeep] };
  const tooLarge = typeof input === "string"
    ? undefined
    : checkSize(JSON.stringify(doc), "as JSON");
  if (tooLarge) return { ok: false, errors: [tooLarge] };
  const overLimits = checkCounts(record);
  if (overLimits.length > 0) return { ok: false, errors: overLimits };
  const errors = new StrategyErrors();
  const result = strategySchema.safeParse(doc);
  if (!result.success) {
    for (const issue of result.error.issues) errors.add(issueToError(issue, doc));
  }
  for (const error of checkReferences(record)) errors.add(error);
  if (result.success && errors.size === 0) {
    const cost = checkCost(result.data);
    if (cost) errors.add(cost);
  }
  if (errors.size > 0 || !result.success) return { ok: false, errors: errors.list() };
  return { ok: true, strategy: result.data };
}

/** The problems of one document: each reported once, at most `STRATEGY_LIMITS.errors` of them. */
class StrategyErrors {
  readonly #seen = new Set<string>();
  readonly #errors: StrategyError[] = [];

  get size(): number {
    return this.#seen.size;
  }

  add(error: StrategyError): void {
    const key = `${error.path}\u0000${error.message}`;
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    if (this.#errors.length < STRATEGY_LIMITS.errors) this.#errors.push(error);
  }

  list(): StrategyError[] {
    const more = this.#seen.size - this.#errors.length;
    return more > 0
      ? [...this.#errors, { path: "", message: `and ${formatCount(more)} more problems` }]
      : this.#errors;
  }
}

function parseText(
  text: string,
): { ok: true; value: unknown } | { ok: false; errors: StrategyError[] } {
  // Duplicate keys are found by `duplicateKeys`, linearly (the parser's own check is quadratic).
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false });
  const problems = [
    ...doc.errors.map((e) => ({ offset: e.pos[0], message: e.message.split(" at line ")[0] })),
    ...duplicateKeys(doc),
  ].sort((a, b) => a.offset - b.offset);
  if (problems.length > 0) {
    return {
      ok: false,
      errors: problems.map(({ offset, message }) => {
        const { line, col } = lineCounter.linePos(offset);
        return { path: "", message: `syntax error at line ${line}, column ${col}: ${message}` };
      }),
    };
  }
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: STRATEGY_LIMITS.aliases }) };
  } catch (error) {
    // Aliases are resolved only here: one without its anchor, or too many of them.
    const text = errorText(error);
    const message = text.startsWith("Excessive alias count")
      ? `the document expands more than ${STRATEGY_LIMITS.aliases} aliases (*name); ` +
        `the limit is ${STRATEGY_LIMITS.aliases}`
      : `syntax error: ${text}`;
    return { ok: false, errors: [{ path: "", message }] };
  }
}

/** Keys that repeat a key of the same mapping, where they start. */
function duplicateKeys(doc: Document): { offset: number; message: string }[] {
  const found: { offset: number; message: string }[] = [];
  visit(doc, {
    Map(_, map) {
      const keys = new Set<unknown>();
      for (const { key } of map.items) {
        if (!isScalar(key)) continue;
        if (keys.has(key.value)) {
          found.push({ offset: key.range?.[0] ?? 0, message: "Map keys must be unique" });
        }
        keys.add(key.value);
      }
    },
  });
  return found;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return `the string '${value.slice(0, 40)}'`;
  return `${typeof value} ${String(value).slice(0, 40)}`;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

const KNOWN_TYPES = Object.keys(INDICATOR_TYPES).join(", ");

function issueToError(issue: z.core.$ZodIssue, root: unknown): StrategyError {
  const path = formatPath(issue.path);
  switch (issue.code) {
    case "unrecognized_keys":
      return {
        path,
        message: `unknown field${issue.keys.length > 1 ? "s" : ""} ${
          issue.keys.map((k) => `'${k}'`).join(", ")
        }`,
      };
    case "invalid_union":
      if ("discriminator" in issue && issue.discriminator === "type") {
        const value = valueAt(root, issue.path);
        const isIndicator = issue.path[0] === "indicators";
        return {
          path,
          message: isIndicator
            ? `unknown indicator type ${JSON.stringify(value)} (known: ${KNOWN_TYPES})`
            : `unknown type ${JSON.stringify(value)} (known: ${
              ((issue as { options?: unknown[] }).options ?? []).join(", ")
            })`,
        };
      }
      return { path, message: `invalid value ${describe(valueAt(root, issue.path))}` };
    case "invalid_value":
      return {
        path,
        message: `invalid value ${JSON.stringify(valueAt(root, issue.path))} (expected one of: ${
          issue.values.map(String).join(", ")
        })`,
      };
    default: {
      const value = valueAt(root, issue.path);
      const got = value === undefined ? "" : ` (got ${JSON.stringify(value)?.slice(0, 60)})`;
      return { path, message: `${issue.message.replace(/^Invalid input: /, "")}${got}` };
    }
  }
}

// ---------------------------------------------------------------------------
// Cross-references: checked on the raw document so they are reported together
// with structural errors. Written defensively: any shape may come in.

/** What the reference checks know about one declared indicator. */
interface Declared {
  type: string;
  outputs: readonly string[] | undefined;
  timeframe: unknown;
  input: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** How many names a "known: …" list shows. */
const KNOWN_SHOWN = 20;

/** The declared indicators by name, and the list of their names for messages (built once). */
class Declarations extends Map<string, Declared> {
  #known?: string;

  /** `a, b, c` (the first {@link KNOWN_SHOWN} names), or `none`. */
  get known(): string {
    if (this.#known === undefined) {
      const names = [...this.keys()];
      const shown = names.slice(0, KNOWN_SHOWN).join(", ") || "none";
      this.#known = names.length > KNOWN_SHOWN
        ? `${shown}, … ${names.length - KNOWN_SHOWN} more`
        : shown;
    }
    return this.#known;
  }
}

function declaredIndicators(doc: Record<string, unknown>): Declarations {
  const declared = new Declarations();
  if (!isRecord(doc.indicators)) return declared;
  for (const [name, entry] of Object.entries(doc.indicators)) {
    const raw = isRecord(entry) ? entry : {};
    declared.set(name, {
      type: String(raw.type),
      outputs: indicatorType(raw.type)?.outputs,
      timeframe: raw.timeframe,
      input: raw.input,
    });
  }
  return declared;
}

/** Names every JavaScript object has: a lookup by such a name could find something else. */
const OBJECT_KEYS: readonly string[] = ["__proto__", "constructor", "prototype"];

/** Why no indicator can be named `name` (a reference to it could never reach it), or undefined. */
function nameProblem(name: string): string | undefined {
  if ((CANDLE_FIELDS as readonly string[]).includes(name)) {
    return `indicator name '${name}' is a candle field: '${name}' always means the candle's ` +
      `field, so this indicator could never be used; choose another name`;
  }
  return OBJECT_KEYS.includes(name)
    ? `indicator name '${name}' is reserved; choose another name`
    : undefined;
}

/**
 * Resolves a reference string against the declared indicators: returns an
 * error message, or undefined when it names a candle field or an existing
 * indicator output.
 */
function referenceProblem(ref: string, declared: Declarations): string | undefined {
  if ((CANDLE_FIELDS as readonly string[]).includes(ref)) return undefined;
  if (looksLikeSymbolReference(ref)) {
    return symbolReference(ref)
      ? undefined
      : `invalid cross-symbol reference '${ref}' (expected ${
        CANDLE_FIELDS.map((f) => `${f}(SYMBOL)`).join(", ")
      })`;
  }
  const dot = ref.indexOf(".");
  const name = dot < 0 ? ref : ref.slice(0, dot);
  const indicator = declared.get(name);
  if (!indicator) {
    return `unknown indicator '${name}' (known: ${declared.known})`;
  }
  const outputs = indicator.outputs;
  if (!outputs) return undefined; // its unknown type is reported on its own
  if (dot < 0) {
    return outputs.length === 1
      ? undefined
      : `indicator '${name}' has several outputs; use one of ${
        outputs.map((o) => `${name}.${o}`).join(", ")
      }`;
  }
  const output = ref.slice(dot + 1);
  if (outputs.length > 1 && outputs.includes(output)) return undefined;
  return outputs.length === 1
    ? `indicator '${name}' has a single output; reference it as '${name}'`
    : `unknown output '${ref}' (known: ${outputs.join(", ")})`;
}

function checkOperand(
  operand: unknown,
  path: string,
  declared: Declarations,
  errors: StrategyError[],
): void {
  if (typeof operand === "string") {
    const problem = referenceProblem(operand, declared);
    if (problem) errors.push({ path, message: problem });
    return;
  }
  if (!isRecord(operand)) return;
  for (const op of ARITHMETIC_OPERATORS) {
    const pair = operand[op];
    if (Array.isArray(pair)) {
      pair.forEach((o, i) => checkOperand(o, `${path}.${op}[${i}]`, declared, errors));
    }
  }
}

function checkCondition(
  condition: unknown,
  path: string,
  declared: Declarations,
  errors: StrategyError[],
): void {
  if (!isRecord(condition)) return;
  for (const op of PAIR_OPERATORS) {
    const pair = condition[op];
    if (Array.isArray(pair)) {
      pair.forEach((o, i) => checkOperand(o, `${path}.${op}[${i}]`, declared, errors));
    }
  }
  for (const op of LOGICAL_OPERATORS) {
    const inner = condition[op];
    if (op === "not") checkCondition(inner, `${path}.not`, declared, errors);
    else if (Array.isArray(inner)) {
      inner.forEach((c, i) => checkCondition(c, `${path}.${op}[${i}]`, declared, errors));
    }
  }
}

function isTimeframe(value: unknown): value is Timeframe {
  return (TIMEFRAMES as readonly unknown[]).includes(value);
}

function checkIndicatorGraph(
  doc: Record<string, unknown>,
  declared: Declarations,
  errors: StrategyError[],
): void {
  const base = isTimeframe(doc.timeframe) ? timeframeMs(doc.timeframe) : undefined;
  for (const [name, indicator] of declared) {
    const path = `indicators.${name}`;
    const unusable = nameProblem(name);
    if (unusable) errors.push({ path, message: unusable });
    if (isTimeframe(indicator.timeframe) && base !== undefined) {
      const ms = timeframeMs(indicator.timeframe);
      if (ms < base || ms % base !== 0) {
        errors.push({
          path: `${path}.timeframe`,
          message:
            `timeframe '${indicator.timeframe}' must be a multiple of the strategy timeframe '${
              String(doc.timeframe)
            }'`,
        });
      }
    }
    if (indicator.input === undefined) continue;
    if (typeof indicator.input !== "string" || symbolReference(indicator.input)) {
      checkCandleInput(indicator.input, `${path}.input`, errors);
      if (indicator.timeframe !== undefined && indicator.timeframe !== doc.timeframe) {
        errors.push({
          path: `${path}.timeframe`,
          message: "an indicator of candle fields of other symbols uses the strategy timeframe",
        });
      }
      continue;
    }
    const problem = referenceProblem(indicator.input, declared);
    if (problem) {
      errors.push({ path: `${path}.input`, message: problem });
      continue;
    }
    if (!declared.has(indicator.input.split(".")[0])) {
      errors.push({
        path: `${path}.input`,
        message:
          `input must be another indicator, got candle field '${indicator.input}' (use source)`,
      });
      continue;
    }
    const upstream = declared.get(indicator.input.split(".")[0])!;
    if (indicator.timeframe !== undefined && upstream.timeframe !== indicator.timeframe) {
      errors.push({
        path: `${path}.timeframe`,
        message: `timeframe '${String(indicator.timeframe)}' differs from its input '${
          indicator.input.split(".")[0]
        }' (${
          String(upstream.timeframe ?? doc.timeframe)
        }); an indicator of an indicator uses its input's timeframe`,
      });
    }
  }
  checkInputChains(declared, errors);
}

/**
 * Checks an indicator input that is an expression (or a cross-symbol field):
 * numbers, candle fields and other symbols' candle fields only.
 */
function checkCandleInput(input: unknown, path: string, errors: StrategyError[]): void {
  if (typeof input === "string") {
    if ((CANDLE_FIELDS as readonly string[]).includes(input) || symbolReference(input)) return;
    errors.push({
      path,
      message: `an input expression reads numbers and candle fields (close, close(ETHUSDT), …), ` +
        `got '${input}'`,
    });
    return;
  }
  if (!isRecord(input)) return;
  for (const op of ARITHMETIC_OPERATORS) {
    const pair = input[op];
    if (Array.isArray(pair)) {
      pair.forEach((o, i) => checkCandleInput(o, `${path}.${op}[${i}]`, errors));
    }
  }
}

/** The indicator an indicator reads (`input: macd.signal` → `macd`), when it names a declared one. */
function upstreamOf(declared: Declarations, name: string): string | undefined {
  const input = declared.get(name)?.input;
  if (typeof input !== "string") return undefined;
  const upstream = input.split(".")[0];
  return declared.has(upstream) ? upstream : undefined;
}

/**
 * Follows every input edge once (each indicator reads at most one other):
 * reports each cycle once, from its first-declared member, and the longest
 * chain when it is longer than the limit. Linear in the number of indicators.
 */
function checkInputChains(declared: Declarations, errors: StrategyError[]): void {
  const order = new Map([...declared.keys()].map((name, i) => [name, i]));
  /** Chain length ending at each indicator (counting it); NaN when the chain runs into a cycle. */
  const depth = new Map<string, number>();
  for (const start of declared.keys()) {
    if (depth.has(start)) continue;
    const path: string[] = [];
    const onPath = new Map<string, number>();
    let below = 0;
    for (
      let name = start as string | undefined;
      name !== undefined;
      name = upstreamOf(declared, name)
    ) {
      const known = depth.get(name);
      if (known !== undefined) {
        below = known;
        break;
      }
      const at = onPath.get(name);
      if (at !== undefined) {
        const cycle = path.splice(at);
        const first = cycle.reduce((a, b) => (order.get(a)! <= order.get(b)! ? a : b));
        const from = cycle.indexOf(first);
        const loop = [...cycle.slice(from), ...cycle.slice(0, from), first];
        errors.push({
          path: `indicators.${first}.input`,
          message: `cyclic indicator inputs: ${loop.join(" → ")}`,
        });
        for (const member of cycle) depth.set(member, NaN);
        below = NaN;
        break;
      }
      onPath.set(name, path.length);
      path.push(name);
    }
    for (let i = path.length - 1; i >= 0; i--) depth.set(path[i], ++below);
  }
  let deepest = { name: "", depth: 0 };
  for (const [name, d] of depth) if (d > deepest.depth) deepest = { name, depth: d };
  if (deepest.depth <= STRATEGY_LIMITS.chainDepth) return;
  let root = deepest.name;
  for (let up = upstreamOf(declared, root); up !== undefined; up = upstreamOf(declared, up)) {
    root = up;
  }
  errors.push({
    path: `indicators.${deepest.name}.input`,
    message: `a chain of ${formatCount(deepest.depth)} indicators, each reading the next ` +
      `('${deepest.name}' ← … ← '${root}'); the limit is ${STRATEGY_LIMITS.chainDepth}`,
  });
}

function checkRisk(
  doc: Record<string, unknown>,
  declared: Declarations,
  errors: StrategyError[],
): void {
  const risk = isRecord(doc.risk) ? doc.risk : {};
  for (const key of ["stop_loss", "take_profit", "trailing_stop"]) {
    const distance = risk[key];
    if (!isRecord(distance) || typeof distance.atr !== "string") continue;
    const indicator = declared.get(distance.atr);
    if (!indicator) {
      errors.push({
        path: `risk.${key}.atr`,
        message: `unknown indicator '${distance.atr}' (known: ${declared.known})`,
      });
    } else if (indicator.type !== "ATR") {
      errors.push({
        path: `risk.${key}.atr`,
        message: `'${distance.atr}' is not an ATR indicator (type ${indicator.type})`,
      });
    }
  }
  if (
    isRecord(doc.sizing) && doc.sizing.type === "risk_per_trade" && risk.stop_loss === undefined
  ) {
    errors.push({ path: "sizing.type", message: "risk_per_trade sizing requires risk.stop_loss" });
  }
}

function checkReferences(doc: Record<string, unknown>): StrategyError[] {
  const errors: StrategyError[] = [];
  const declared = declaredIndicators(doc);
  checkIndicatorGraph(doc, declared, errors);
  for (const section of ["entry", "exit"]) {
    const rules = doc[section];
    if (!isRecord(rules)) continue;
    for (const side of ["long", "short"]) {
      checkCondition(rules[side], `${section}.${side}`, declared, errors);
    }
  }
  if (Array.isArray(doc.legs)) {
    const seen = new Set<string>();
    doc.legs.forEach((leg, i) => {
      const symbol = isRecord(leg) && typeof leg.symbol === "string"
        ? leg.symbol.toUpperCase()
        : "";
      if (seen.has(symbol)) {
        errors.push({ path: `legs[${i}].symbol`, message: `symbol ${symbol} is already a leg` });
      }
      seen.add(symbol);
    });
  }
  if (isRecord(doc.entry) && doc.entry.long === undefined && doc.entry.short === undefined) {
    errors.push({ path: "entry", message: "at least one entry rule (long or short) is required" });
  }
  checkRisk(doc, declared, errors);
  return errors;
}
