/**
 * The request body that creates a paper trading session, validated with zod.
 * The same schema feeds the OpenAPI document.
 */
import { z } from "zod";

const fraction = z.number().min(0).max(0.1);

/** Body of `POST /api/paper_trading/sessions`. */
export const sessionInputSchema = z.object({
  strategy: z.union([
    z.string().min(1).describe("a stored strategy id, or an inline YAML/JSON document"),
    z.record(z.string(), z.unknown()).describe("an inline strategy document"),
  ]),
  symbol: z.string().regex(/^[A-Za-z0-9]{2,20}$/, "a symbol such as BTCUSDT")
    .transform((s) => s.toUpperCase()),
  initial_capital: z.number().positive().max(1e12).default(10_000),
  name: z.string().max(100).optional(),
  fees: z.object({ maker: fraction, taker: fraction }).partial().optional(),
  slippage: z.union([
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
}).strict();

/** A validated session creation request. */
export type SessionInput = z.infer<typeof sessionInputSchema>;

/** The execution settings a session input asks for, in the execution engine's terms. */
export function executionInput(input: SessionInput): Record<string, unknown> {
  return {
    initial_cash: input.initial_capital,
    allow_short: input.allow_short,
    ...(input.fees?.maker !== undefined ? { maker_fee: input.fees.maker } : {}),
    ...(input.fees?.taker !== undefined ? { taker_fee: input.fees.taker } : {}),
    ...(input.slippage ? { slippage: input.slippage } : {}),
    ...input.fill_model,
  };
}
