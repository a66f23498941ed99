/**
 * Compilation of DSL conditions into closures over live indicator outputs:
 * no string lookups and no allocation when evaluated. Crossings keep their
 * own previous values and are stepped once per base candle.
 *
 * @module
 */

import type { Indicator } from "./indicator.ts";
import type { Condition, Operand } from "./schema.ts";
import { ARITHMETIC_OPERATORS, PAIR_OPERATORS } from "./vocabulary.ts";

/** A compiled operand. */
export interface CompiledOperand {
  /** Reads the current value (NaN when not ready). */
  readonly read: () => number;
  /** Text for reasons: the reference, number or expression. */
  readonly label: string;
  /** True for literal numbers. */
  readonly constant: boolean;
}

/** A compiled condition. */
export interface CompiledCondition {
  /** Evaluates the condition (on the current closed candle). */
  readonly test: () => boolean;
  /** Explains why it holds, recording operand values in `values`. */
  readonly explain: (values: Record<string, number>) => string;
}

/** What compiling a condition needs from its evaluator. */
export interface RuleScope {
  /** Reader of a reference (`rsi`, `macd.signal`, `close`) and the indicator behind it, if any. */
  reference(ref: string): { read: () => number; indicator?: Indicator };
  /** Registers a crossing tracker to be stepped on every base candle. */
  track(tracker: CrossTracker): void;
}

/** Tracks whether `a` crossed `b` between the previous and the current base candle. */
export class CrossTracker {
  #a: () => number;
  #b: () => number;
  /** Values at the previous base candle. */
  prevA = NaN;
  prevB = NaN;
  /** Values at the current base candle. */
  a = NaN;
  b = NaN;
  /** a[t-1] <= b[t-1] and a[t] > b[t]. */
  above = false;
  /** a[t-1] >= b[t-1] and a[t] < b[t]. */
  below = false;

  /** Tracks the crossing of two operand readers. */
  constructor(a: () => number, b: () => number) {
    this.#a = a;
    this.#b = b;
  }

  /** Moves to a new base candle (NaN comparisons are false, so undefined values never cross). */
  step(): void {
    this.prevA = this.a;
    this.prevB = this.b;
    this.a = this.#a();
    this.b = this.#b();
    this.above = this.prevA <= this.prevB && this.a > this.b;
    this.below = this.prevA >= this.prevB && this.a < this.b;
  }
}

/** Formats a value for reasons: two decimals from 1 up, four significant digits below. */
export function formatValue(x: number): string {
  if (Number.isInteger(x)) return String(x);
  return Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(4);
}

const SYMBOLS = { add: "+", sub: "-", mul: "*", div: "/" } as const;
const COMPARISONS = { gt: ">", gte: ">=", lt: "<", lte: "<=", eq: "==" } as const;

/** Compiles an operand; collects the indicators it reads into `indicators`. */
export function compileOperand(
  operand: Operand,
  scope: RuleScope,
  indicators: Set<Indicator>,
): CompiledOperand {
  if (typeof operand === "number") {
    return { read: () => operand, label: formatValue(operand), constant: true };
  }
  if (typeof operand === "string") {
    const { read, indicator } = scope.reference(operand);
    if (indicator) indicators.add(indicator);
    return { read, label: operand, constant: false };
  }
  const op = ARITHMETIC_OPERATORS.find((k) => operand[k])!;
  const [left, right] = operand[op]!.map((o) => compileOperand(o, scope, indicators));
  const a = left.read;
  const b = right.read;
  const read = op === "add"
    ? () => a() + b()
    : op === "sub"
    ? () => a() - b()
    : op === "mul"
    ? () => a() * b()
    : () => a() / b();
  const constant = left.constant && right.constant;
  return { read, label: `(${left.label} ${SYMBOLS[op]} ${right.label})`, constant };
}

function record(values: Record<string, number>, operand: CompiledOperand): void {
  if (!operand.constant) values[operand.label] = operand.read();
}

/** Compiles a condition; collects the indicators it reads into `indicators`. */
export function compileCondition(
  condition: Condition,
  scope: RuleScope,
  indicators: Set<Indicator>,
): CompiledCondition {
  if (condition.all || condition.any) {
    const all = condition.all !== undefined;
    const parts = (condition.all ?? condition.any)!.map((c) =>
      compileCondition(c, scope, indicators)
    );
    const test = all
      ? () => {
        for (const part of parts) if (!part.test()) return false;
        return true;
      }
      : () => {
        for (const part of parts) if (part.test()) return true;
        return false;
      };
    const explain = (values: Record<string, number>) =>
      parts.filter((p) => all || p.test()).map((p) => p.explain(values)).join(
        all ? " and " : " or ",
      );
    return { test, explain };
  }
  if (condition.not) {
    const inner = compileCondition(condition.not, scope, indicators);
    return { test: () => !inner.test(), explain: (values) => `not (${inner.explain(values)})` };
  }
  const op = PAIR_OPERATORS.find((k) => condition[k])!;
  const [a, b] = condition[op]!.map((o) => compileOperand(o, scope, indicators));
  if (op === "crosses_above" || op === "crosses_below") {
    const tracker = new CrossTracker(a.read, b.read);
    scope.track(tracker);
    const moved = (label: string, now: number, before: number) =>
      `${label} ${formatValue(now)} ← ${formatValue(before)}`;
    return {
      test: op === "crosses_above" ? () => tracker.above : () => tracker.below,
      explain: (values) => {
        record(values, a);
        record(values, b);
        const detail = [a, b].filter((o) => !o.constant).map((o) =>
          o === a
            ? moved(o.label, tracker.a, tracker.prevA)
            : moved(o.label, tracker.b, tracker.prevB)
        );
        return `${a.label} ${op} ${b.label} (${detail.join(", ")})`;
      },
    };
  }
  const ra = a.read;
  const rb = b.read;
  const test = op === "gt"
    ? () => ra() > rb()
    : op === "gte"
    ? () => ra() >= rb()
    : op === "lt"
    ? () => ra() < rb()
    : op === "lte"
    ? () => ra() <= rb()
    : () => ra() === rb();
  return {
    test,
    explain: (values) => {
      record(values, a);
      record(values, b);
      const detail = [a, b].filter((o) => !o.constant).map((o) =>
        `${o.label} ${formatValue(o.read())}`
      );
      return `${a.label} ${COMPARISONS[op]} ${b.label} (${detail.join(", ")})`;
    },
  };
}
