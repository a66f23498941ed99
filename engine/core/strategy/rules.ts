/**
 * Compilation of DSL conditions into closures over live indicator outputs:
 * no string lookups and no allocation when evaluated. Crossings keep their
 * own previous values and are stepped once per base candle.
 *
 * Operand values live in typed arrays (an indicator's outputs, a cell of
 * their own) and are read where they are compared: this code runs once per
 * candle, too rarely to be fully optimised, and there a number returned from
 * a call that is not inlined is boxed (an allocation per candle).
 *
 * @module
 */

import type { Indicator } from "./indicator.ts";
import type { Condition, Operand } from "./schema.ts";
import { ARITHMETIC_OPERATORS, PAIR_OPERATORS } from "./vocabulary.ts";

/** Where an operand's current value is: `values[at]`, once `compute()` has run. */
export interface OperandSlot {
  readonly values: Float64Array;
  readonly at: number;
  /** Brings `values[at]` up to date (a candle field read, an expression evaluated; a no-op for outputs and numbers). */
  readonly compute: () => void;
}

/** A compiled operand. */
export interface CompiledOperand extends OperandSlot {
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
  /** Where a reference (`rsi`, `macd.signal`, `close`) is read, and the indicator behind it, if any. */
  reference(ref: string): OperandSlot & { readonly indicator?: Indicator };
  /** Registers a crossing tracker to be stepped on every base candle. */
  track(tracker: CrossTracker): void;
}

/** An operand's `compute` when its value is always in place. */
export const IN_PLACE = (): void => {};

/** The current value of an operand (for reasons and tests; allocates). */
export function currentValue(slot: OperandSlot): number {
  slot.compute();
  return slot.values[slot.at];
}

/** Tracks whether `a` crossed `b` between the previous and the current base candle. */
export class CrossTracker {
  #a: OperandSlot;
  #b: OperandSlot;
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

  /** Tracks the crossing of two operands. */
  constructor(a: OperandSlot, b: OperandSlot) {
    this.#a = a;
    this.#b = b;
  }

  /** Moves to a new base candle (NaN comparisons are false, so undefined values never cross). */
  step(): void {
    const a = this.#a;
    const b = this.#b;
    a.compute();
    b.compute();
    this.prevA = this.a;
    this.prevB = this.b;
    this.a = a.values[a.at];
    this.b = b.values[b.at];
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
    const values = Float64Array.of(operand);
    return { values, at: 0, compute: IN_PLACE, label: formatValue(operand), constant: true };
  }
  if (typeof operand === "string") {
    const { values, at, compute, indicator } = scope.reference(operand);
    if (indicator) indicators.add(indicator);
    return { values, at, compute, label: operand, constant: false };
  }
  const op = ARITHMETIC_OPERATORS.find((k) => operand[k])!;
  const [left, right] = operand[op]!.map((o) => compileOperand(o, scope, indicators));
  const { values: a, at: i, compute: computeA } = left;
  const { values: b, at: j, compute: computeB } = right;
  const values = new Float64Array(1);
  // Block bodies: an arrow returning the value it stores would box it.
  const combine = op === "add"
    ? () => {
      values[0] = a[i] + b[j];
    }
    : op === "sub"
    ? () => {
      values[0] = a[i] - b[j];
    }
    : op === "mul"
    ? () => {
      values[0] = a[i] * b[j];
    }
    : () => {
      values[0] = a[i] / b[j];
    };
  const compute = () => {
    computeA();
    computeB();
    combine();
  };
  const constant = left.constant && right.constant;
  return {
    values,
    at: 0,
    compute,
    label: `(${left.label} ${SYMBOLS[op]} ${right.label})`,
    constant,
  };
}

function record(values: Record<string, number>, operand: CompiledOperand): void {
  if (!operand.constant) values[operand.label] = currentValue(operand);
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
    // Indexed loops: an iterator is an allocation per candle.
    const test = all
      ? () => {
        for (let k = 0; k < parts.length; k++) if (!parts[k].test()) return false;
        return true;
      }
      : () => {
        for (let k = 0; k < parts.length; k++) if (parts[k].test()) return true;
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
    const tracker = new CrossTracker(a, b);
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
  const { values: va, at: i, compute: computeA } = a;
  const { values: vb, at: j, compute: computeB } = b;
  const compare = op === "gt"
    ? () => va[i] > vb[j]
    : op === "gte"
    ? () => va[i] >= vb[j]
    : op === "lt"
    ? () => va[i] < vb[j]
    : op === "lte"
    ? () => va[i] <= vb[j]
    : () => va[i] === vb[j];
  const test = () => {
    computeA();
    computeB();
    return compare();
  };
  return {
    test,
    explain: (values) => {
      record(values, a);
      record(values, b);
      const detail = [a, b].filter((o) => !o.constant).map((o) =>
        `${o.label} ${formatValue(currentValue(o))}`
      );
      return `${a.label} ${COMPARISONS[op]} ${b.label} (${detail.join(", ")})`;
    },
  };
}
