/**
 * Request fields shared by paper sessions and backtests (strategy reference,
 * symbol, fees, slippage, fill model, sizing override), validated with zod,
 * and their translation into the execution engine's settings.
 */
import { z } from "zod";
import { type ExecutionConfig, resolveExecutionConfig } from "../core/execution/mod.ts";
import { ValidationError } from "./errors.ts";

const fraction = z.number().min(0).max(0.1);

/** A stored strategy id, an inline YAML/JSON document, or a document object. */
export const strategyRefSchema = z.union([
  z.string().min(1).describe("a stored strategy id, or an inline YAML/JSON document"),
  z.record(z.string(), z.unknown()).describe("an inline strategy document"),
]);

/** A symbol such as BTCUSDT (upper-cased). */
export const symbolSchema = z.string().regex(/^[A-Za-z0-9]{2,20}$/, "a symbol such as BTCUSDT")
  .transform((s) => s.toUpperCase());

/** Execution fields every trading request may carry. */
export const executionFields = {
  fees: z.object({ maker: fraction, taker: fraction }).partial().optional(),
  slippage: z.union([
    z.number().min(0).max(1_000).describe("fixed slippage in bps"),
    z.object({ model: z.literal("fixed"), bps: z.number().min(0).max(1_000) }),
    z.object({
      model: z.literal("sqrt"),
      coefficient: z.number().min(0).max(10_000),
      cap_bps: z.number().min(0).max(10_000),
    }),
  ]).optional(),
  fill_model: z.object({
    queue: z.enum(["trade_through", "touch"]),
    max_volume_share: z.number().gt(0).max(1),
    latency_ms: z.number().int().min(0).max(60_000),
  }).partial().optional(),
  sizing: z.record(z.string(), z.unknown()).optional()
    .describe("replaces the strategy's sizing rule"),
  allow_short: z.boolean().default(false),
};

/** The validated execution fields of a request. */
export type ExecutionFields = z.output<z.ZodObject<typeof executionFields>>;

/** Execution settings for a request starting with `capital`; a {@link ValidationError} when they do not hold. */
export function executionOf(capital: number, input: ExecutionFields): ExecutionConfig {
  const slippage = typeof input.slippage === "number"
    ? { model: "fixed", bps: input.slippage }
    : input.slippage;
  try {
    return resolveExecutionConfig({
      initial_cash: capital,
      allow_short: input.allow_short,
      ...(input.fees?.maker !== undefined ? { maker_fee: input.fees.maker } : {}),
      ...(input.fees?.taker !== undefined ? { taker_fee: input.fees.taker } : {}),
      ...(slippage ? { slippage } : {}),
      ...input.fill_model,
    });
  } catch (error) {
    throw new ValidationError("invalid execution settings", [{
      path: "",
      message: (error as Error).message,
    }]);
  }
}
