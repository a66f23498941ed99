/**
 * The words of the strategy DSL that code needs at run time: candle fields,
 * price sources and operators. Kept free of validation code so evaluators
 * (and session workers) can use them without loading the schema.
 *
 * @module
 */

/** Candle fields usable as operands. */
export const CANDLE_FIELDS = ["open", "high", "low", "close", "volume"] as const;

/** A candle field an operand can name. */
export type CandleField = typeof CANDLE_FIELDS[number];

/** Price sources an indicator can read from a candle. */
export const SOURCES = ["close", "open", "high", "low", "hl2", "hlc3", "ohlc4", "volume"] as const;

/** One of {@link SOURCES}. */
export type Source = typeof SOURCES[number];

/** Comparison and crossing operators (two operands each). */
export const PAIR_OPERATORS = [
  "gt",
  "gte",
  "lt",
  "lte",
  "eq",
  "crosses_above",
  "crosses_below",
] as const;

/** Arithmetic operators of expressions (two operands each). */
export const ARITHMETIC_OPERATORS = ["add", "sub", "mul", "div"] as const;

/** Logical operators over conditions. */
export const LOGICAL_OPERATORS = ["all", "any", "not"] as const;
