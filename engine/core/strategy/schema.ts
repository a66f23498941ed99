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
import { LOGICAL_OPERATORS, PAIR_OPERATORS } from "./vocabulary.ts";
import { exactlyOne, oneOfMessage, type Operand, operandPair } from "./operand_schema.ts";
import { riskLimitsShape } from "../risk/schema.ts";

export type { Expression, Operand } from "./operand_schema.ts";

/** A condition; exactly one key is set. */
export type Condition =
  & { [K in typeof PAIR_OPERATORS[number]]?: [Operand, Operand] }
  & { all?: Condition[]; any?: Condition[]; not?: Condition };

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

/**
 * Zod schema of the `legs` section (pairs and spreads in a portfolio session):
 * the rules run once, on the first leg's symbol; `entry.long` opens every leg
 * on its side, `entry.short` opens them all mirrored; an exit, a stop or a
 * target of any leg closes them all.
 */
const legsSchema = z.array(z.strictObject({
  symbol: z.string().regex(/^[A-Za-z0-9]+$/, "a symbol is letters and digits"),
  side: z.enum(["long", "short"]),
})).min(2).max(10).refine((legs) => legs[0].side === "long", {
  message: "the first leg is the one the rules trade: its side must be long",
  path: [0, "side"],
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
  legs: legsSchema.optional(),
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

/** One leg of a validated `legs` section. */
export type Leg = z.infer<typeof legsSchema>[number];

/** A validated stop/target distance. */
export type Distance = z.infer<typeof distanceSchema>;
