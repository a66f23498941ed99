/**
 * Cross-symbol references of the strategy DSL: an operand `close(ETHUSDT)`
 * (any candle field) reads the last closed base-timeframe candle of another
 * symbol of the same portfolio session. A spread is an expression over them,
 * e.g. `sub: [close(ETHUSDT), { mul: [1.5, close(BTCUSDT)] }]`. Here: the
 * syntax, and the check of a strategy against the symbols of a session.
 *
 * @module
 */

import type { Condition, Operand, Strategy } from "./schema.ts";
import { CANDLE_FIELDS, type CandleField, PAIR_OPERATORS } from "./vocabulary.ts";

/** A reference to a candle field of another symbol. */
export interface SymbolReference {
  readonly field: CandleField;
  readonly symbol: string;
}

/** Syntax of a cross-symbol reference: `field(SYMBOL)`. */
const PATTERN = /^([a-z]+)\(([A-Za-z0-9]+)\)$/;

/** Reads `close(ETHUSDT)`; undefined when `ref` has not that shape or names no candle field. */
export function symbolReference(ref: string): SymbolReference | undefined {
  const match = PATTERN.exec(ref);
  if (!match || !(CANDLE_FIELDS as readonly string[]).includes(match[1])) return undefined;
  return { field: match[1] as CandleField, symbol: match[2].toUpperCase() };
}

/** Whether `ref` looks like a call `name(…)` (a cross-symbol reference, well-formed or not). */
export function looksLikeSymbolReference(ref: string): boolean {
  return ref.includes("(");
}

/** Every cross-symbol reference of a validated strategy's indicators and rules, with its path. */
export function symbolReferences(
  strategy: Strategy,
): { path: string; ref: SymbolReference }[] {
  const found: { path: string; ref: SymbolReference }[] = [];
  const operand = (o: Operand, path: string): void => {
    if (typeof o === "string") {
      const ref = symbolReference(o);
      if (ref) found.push({ path, ref });
    } else if (typeof o === "object") {
      for (const [op, pair] of Object.entries(o)) {
        pair?.forEach((x, i) => operand(x, `${path}.${op}[${i}]`));
      }
    }
  };
  const condition = (c: Condition, path: string): void => {
    for (const op of PAIR_OPERATORS) {
      c[op]?.forEach((x, i) => operand(x, `${path}.${op}[${i}]`));
    }
    if (c.not) condition(c.not, `${path}.not`);
    c.all?.forEach((x, i) => condition(x, `${path}.all[${i}]`));
    c.any?.forEach((x, i) => condition(x, `${path}.any[${i}]`));
  };
  for (const [name, params] of Object.entries(strategy.indicators)) {
    if ("input" in params && params.input !== undefined) {
      operand(params.input, `indicators.${name}.input`);
    }
  }
  for (const kind of ["entry", "exit"] as const) {
    for (const side of ["long", "short"] as const) {
      const c = strategy[kind][side];
      if (c) condition(c, `${kind}.${side}`);
    }
  }
  return found;
}

/**
 * The problems of running `strategy` over `symbols` (one symbol: a single
 * session or backtest): a cross-symbol reference or legs in a single-symbol
 * run, or a reference or leg to a symbol the session does not have. Each with
 * its path; empty when fine.
 */
export function symbolReferenceProblems(
  strategy: Strategy,
  symbols: readonly string[],
): { path: string; message: string }[] {
  const upper = symbols.map((s) => s.toUpperCase());
  const legs = (strategy.legs ?? []).map((leg, i) => ({
    path: `legs[${i}].symbol`,
    ref: { field: "close" as const, symbol: leg.symbol.toUpperCase() },
  }));
  return [...legs, ...symbolReferences(strategy)].map(({ path, ref }) => {
    if (upper.length < 2) {
      return {
        path,
        message: `names a symbol (${ref.symbol}): cross-symbol rules and legs need a portfolio ` +
          `session or backtest over several symbols`,
      };
    }
    if (!upper.includes(ref.symbol)) {
      return {
        path,
        message: `unknown symbol '${ref.symbol}' (this session's symbols: ${upper.join(", ")})`,
      };
    }
    return undefined;
  }).filter((p) => p !== undefined);
}
