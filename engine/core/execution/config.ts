/**
 * Execution configuration: the fill model, fees, funding and latency of a
 * paper account, with a zod schema so user input can be validated.
 */
import { z } from "zod";
import { DEFAULT_INITIAL_CAPITAL, type SymbolFilters } from "../types.ts";

/** Slippage model applied to taker fills (market orders and triggered stops). */
export type SlippageModel =
  | { model: "fixed"; bps: number }
  | { model: "sqrt"; coefficient: number; cap_bps: number };

/**
 * How fills use the L2 book when the account has a fresh one: `l2` walks it
 * (the rest of a market order the visible book cannot fill is priced by the
 * slippage model from the last level, or expires with `rest: "expire"`) and
 * gives resting limits a queue position; `none` ignores books.
 */
export type FillModel = { book: "l2"; rest: "slippage" | "expire" } | { book: "none" };

/** Fully resolved configuration of a paper account. */
export interface ExecutionConfig {
  /** Starting balance in the quote currency. */
  initial_cash: number;
  /** Fee rate on the notional of resting (maker) fills. */
  maker_fee: number;
  /** Fee rate on the notional of taker fills. */
  taker_fee: number;
  slippage: SlippageModel;
  /** Whether a trade exactly at a limit price fills it. */
  queue: "trade_through" | "touch";
  /** Share of each trade's quantity a resting order may fill (0 < s ≤ 1). */
  max_volume_share: number;
  /** Delay between submission and arrival at the simulated exchange. */
  latency_ms: number;
  allow_short: boolean;
  /** Quotes older than this (exchange ms) are ignored in favour of the last trade. */
  quote_max_age_ms: number;
  /** Book fill model; absent means `{book: "l2", rest: "slippage"}` (used only with book data). */
  fill_model?: FillModel;
  /** Per-symbol overrides of {@link SymbolFilters}. */
  filters?: Record<string, Partial<SymbolFilters>>;
}

const filtersSchema = z.object({
  tickSize: z.number().positive().finite(),
  stepSize: z.number().positive().finite(),
  minNotional: z.number().min(0).finite(),
  base: z.string().min(1),
  quote: z.string().min(1),
}).partial().strict();

const slippageSchema = z.discriminatedUnion("model", [
  z.object({ model: z.literal("fixed"), bps: z.number().min(0).max(10_000).default(10) })
    .strict(),
  z.object({
    model: z.literal("sqrt"),
    coefficient: z.number().min(0).finite().default(10),
    cap_bps: z.number().min(0).max(10_000).default(100),
  }).strict(),
]);

const fillModelSchema = z.union([
  z.object({
    book: z.literal("l2"),
    rest: z.enum(["slippage", "expire"]).default("slippage"),
  }).strict(),
  z.object({ book: z.literal("none") }).strict(),
]);

/**
 * Zod schema of a partial {@link ExecutionConfig}: every field is optional and
 * defaulted, unknown fields are rejected, and errors carry their paths.
 */
export const executionConfigSchema = z.object({
  initial_cash: z.number().positive().finite().default(DEFAULT_INITIAL_CAPITAL),
  maker_fee: z.number().min(0).max(0.1).default(0.001),
  taker_fee: z.number().min(0).max(0.1).default(0.001),
  slippage: slippageSchema.default({ model: "fixed", bps: 10 }),
  queue: z.enum(["trade_through", "touch"]).default("trade_through"),
  max_volume_share: z.number().gt(0).max(1).default(1),
  latency_ms: z.number().min(0).finite().default(0),
  allow_short: z.boolean().default(false),
  quote_max_age_ms: z.number().min(0).finite().default(5_000),
  fill_model: fillModelSchema.optional(),
  filters: z.record(z.string(), filtersSchema).optional(),
}).strict();

/**
 * Applies defaults to a partial configuration.
 *
 * @throws {TypeError} with the zod message (including paths) on invalid input.
 */
export function resolveExecutionConfig(input?: unknown): ExecutionConfig {
  const result = executionConfigSchema.safeParse(input ?? {});
  if (!result.success) {
    throw new TypeError(`invalid execution config: ${z.prettifyError(result.error)}`);
  }
  return result.data as ExecutionConfig;
}
