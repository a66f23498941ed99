/**
 * Zod schemas of the indicator entries of a strategy document: each type's
 * parameters, their bounds and defaults. The matching streaming
 * implementations are registered in `indicator_types.ts`.
 *
 * @module
 */

import { z } from "zod";
import { TIMEFRAMES } from "../types.ts";
import { SOURCES } from "./vocabulary.ts";
import { expressionSchema } from "./operand_schema.ts";

const period = (fallback?: number) => {
  const base = z.number().int().min(1).max(5000);
  return fallback === undefined ? base : base.default(fallback);
};

/** Fields every indicator may set. */
const common = { timeframe: z.enum(TIMEFRAMES).optional() };
/**
 * Fields of indicators that read one series: a candle source, another
 * indicator, another symbol's candle field (`close(ETHUSDT)`) or an
 * expression over candle fields of this and other symbols (a spread).
 */
const series = {
  ...common,
  source: z.enum(SOURCES).optional(),
  input: z.union([z.string(), expressionSchema]).optional(),
};

/** Zod schema of one indicator entry (any registered type). */
export const indicatorSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("SMA"), period: period(), ...series }),
  z.strictObject({ type: z.literal("EMA"), period: period(), ...series }),
  z.strictObject({ type: z.literal("WMA"), period: period(), ...series }),
  z.strictObject({ type: z.literal("DEMA"), period: period(), ...series }),
  z.strictObject({ type: z.literal("RSI"), period: period(14), ...series }),
  z.strictObject({
    type: z.literal("MACD"),
    fast: period(12),
    slow: period(26),
    signal: period(9),
    ...series,
  }).refine((p) => p.fast < p.slow, {
    message: "fast period must be shorter than slow period",
    path: ["fast"],
  }),
  z.strictObject({
    type: z.enum(["BBANDS", "BOLLINGER"]),
    period: period(20),
    stddev: z.number().positive().max(100).default(2),
    ...series,
  }),
  z.strictObject({ type: z.literal("ATR"), period: period(14), ...common }),
  z.strictObject({
    type: z.literal("STOCH"),
    k_period: period(5),
    k_smoothing: period(3),
    d_period: period(3),
    ...common,
  }),
  z.strictObject({ type: z.literal("ADX"), period: period(14), ...common }),
  z.strictObject({ type: z.literal("CCI"), period: period(14), ...common }),
  z.strictObject({ type: z.literal("OBV"), ...common }),
  z.strictObject({ type: z.literal("VWAP"), source: z.enum(SOURCES).default("hlc3"), ...common }),
  z.strictObject({ type: z.literal("ROC"), period: period(10), ...series }),
  z.strictObject({ type: z.literal("ZSCORE"), period: period(20), ...series }),
]);

/** A validated indicator entry. */
export type IndicatorParams = z.infer<typeof indicatorSchema>;
