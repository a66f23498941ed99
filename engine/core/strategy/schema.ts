/**
 * The zod schema of a strategy document (version 1) and its inferred types.
 * Structural rules live here; rules that relate parts of the document to each
 * other (references, cycles, timeframes) live in `parse.ts`.
 *
 * @module
 */

import { z } from "zod";
import { TIMEFRAMES } from "../types.ts";
import { indicatorSchema } from "./indicator_schemas.ts";
import { ARITHMETIC_OPERATORS, LOGICAL_OPERATORS, PAIR_OPERATORS } from "./vocabulary.ts";
import { riskLimitsShape } from "../risk/schema.ts";

/** An operand: a number, a reference (`rsi`, `macd.signal`, `close`) or an arithmetic expression. */
export type Operand = number | string | Expression;

/** An arithmetic expression over two operands; exactly one key is set. */
export type Expression = { [K in typeof ARITHMETIC_OPERATORS[number]]?: [Operand, Operand] };

/** A condition; exactly one key is set. */
export type Condition =
  & { [K in typeof PAIR_OPERATORS[number]]?: [Operand, Operand] }
  & { all?: Condition[]; any?: Condition[]; not?: Condition };

function exactlyOne(value: Record<string, unknown>): boolean {
  return Object.keys(value).length === 1;
}

function oneOfMessage(kind: string, operators: readonly string[]): string {
  return `${kind} must have exactly one of: ${operators.join(", ")}`;
}

const expressionSchema: z.ZodType<Expression> = z.lazy(() =>
  z.strictObject(
    Object.fromEntries(ARITHMETIC_OPERATORS.map((op) => [op, operandPair.optional()])),
  ).refine(exactlyOne, {
    message: oneOfMessage("an expression", ARITHMETIC_OPERATORS),
  }) as unknown as z.ZodType<Expression>
);

/** Zod schema of an operand. */
export const operandSchema: z.ZodType<Operand> = z.union([
  z.number().finite(),
  z.string().min(1),
  expressionSchema,
]);

const operandPair = z.tuple([operandSchema, operandSchema]);

const CONDITION_OPERATORS = [...PAIR_OPERATORS, ...LOGICAL_OPERATORS];

/** Zod schema of a condition (recursive). */
export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.strictObject({
    ...Object.fromEntries(PAIR_OPERATORS.map((op) => [op, operandPair.optional()])),
    all: z.array(conditionSchema).min(1).optional(),
    any: z.array(conditionSchema).min(1).optional(),
    not: conditionSchema.optional(),
  }).refine(exactlyOne, {
    message: oneOfMessage("a condition", CONDITION_OPERATORS),
  }) as unknown as z.ZodType<Condition>
);

const sideRules = z.strictObject({
  long: conditionSchema.optional(),
  short: conditionSchema.optional(),
});

/** A stop or target distance: a percentage of the entry price, or a multiple of an ATR indicator. */
const distanceSchema = z.union([
  z.strictObject({ percent: z.number().positive().max(1000) }),
  z.strictObject({ atr: z.string().min(1), multiple: z.number().positive().max(1000) }),
]);

/** Zod schema of the `risk` section: the strategy's stops and targets, and the session's risk limits. */
const riskSchema = z.strictObject({
  ...riskLimitsShape,
  stop_loss: distanceSchema.optional(),
  take_profit: distanceSchema.optional(),
  trailing_stop: distanceSchema.optional(),
  max_open_positions: z.number().int().min(1).max(100).default(1),
  cooldown_candles: z.number().int().min(0).max(100_000).default(0),
});

const positive = z.number().positive().finite();

/** Zod schema of the `sizing` section. */
const sizingSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("percent_of_equity"), value: positive.max(100) }),
  z.strictObject({ type: z.literal("fixed_quantity"), value: positive }),
  z.strictObject({ type: z.literal("fixed_notional"), value: positive }),
  z.strictObject({ type: z.literal("risk_per_trade"), value: positive.max(100) }),
]);

/**
 * Zod schema of the `portfolio` section (sessions over several symbols; one
 * symbol ignores it): how many symbols may hold a position at once, and the
 * stake rule capping what one symbol may commit (equal shares of equity, or a
 * percent of equity per symbol).
 */
const portfolioSchema = z.strictObject({
  max_symbols: z.number().int().min(1).max(100).optional(),
  stake: z.union([
    z.literal("equal"),
    z.strictObject({ cap_percent: positive.max(100) }),
  ]).default("equal"),
});

const orderSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("market") }),
  z.strictObject({ type: z.literal("limit"), offset_percent: z.number().min(0).max(100) }),
]);

/** Name pattern of indicators (identifiers; dots separate outputs). */
export const INDICATOR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Zod schema of a whole strategy document. */
export const strategySchema = z.strictObject({
  version: z.literal(1),
  name: z.string().min(1).max(100),
  description: z.string().max(10_000).optional(),
  timeframe: z.enum(TIMEFRAMES),
  indicators: z.record(
    z.string().regex(
      INDICATOR_NAME,
      "indicator names must be identifiers ([A-Za-z_][A-Za-z0-9_]*)",
    ),
    indicatorSchema,
  ).default({}),
  entry: sideRules,
  exit: sideRules.default({}),
  risk: riskSchema.default({ max_open_positions: 1, cooldown_candles: 0 }),
  sizing: sizingSchema,
  portfolio: portfolioSchema.optional(),
  orders: z.strictObject({
    entry: orderSchema.default({ type: "market" }),
    exit: orderSchema.default({ type: "market" }),
  }).default({ entry: { type: "market" }, exit: { type: "market" } }),
});

/** A validated strategy document (defaults applied). */
export type Strategy = z.infer<typeof strategySchema>;

/** The `risk` section of a validated strategy. */
export type Risk = Strategy["risk"];

/** The `portfolio` section of a validated strategy. */
export type PortfolioRules = z.infer<typeof portfolioSchema>;

/** A validated stop/target distance. */
export type Distance = z.infer<typeof distanceSchema>;
