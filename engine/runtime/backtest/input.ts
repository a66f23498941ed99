/**
 * The request body that starts a backtest job, validated with zod. Fees,
 * slippage and sizing mean what they mean for a paper session.
 */
import { z } from "zod";

const fraction = z.number().min(0).max(0.1);
const time = z.union([
  z.string().refine((s) => !Number.isNaN(Date.parse(s)), "an ISO-8601 time"),
  z.number().int().min(0),
]).transform((t) => typeof t === "number" ? t : Date.parse(t));

/** Body of `POST /api/backtests`. */
export const backtestInputSchema = z.object({
  strategy: z.union([
    z.string().min(1).describe("a stored strategy id, or an inline YAML/JSON document"),
    z.record(z.string(), z.unknown()).describe("an inline strategy document"),
  ]),
  data: z.string().min(1).max(4096)
    .describe("a recording file on the server, relative to DATA_DIR or absolute"),
  symbol: z.string().regex(/^[A-Za-z0-9]{2,20}$/, "a symbol such as BTCUSDT")
    .transform((s) => s.toUpperCase()).optional(),
  from: time.optional().describe("ISO-8601 time or epoch ms"),
  to: time.optional().describe("ISO-8601 time or epoch ms"),
  capital: z.number().positive().max(1e12).default(10_000),
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
  sizing: z.record(z.string(), z.unknown()).optional()
    .describe("replaces the strategy's sizing rule"),
  allow_short: z.boolean().default(false),
}).strict();

/** A validated backtest request. */
export type BacktestInput = z.infer<typeof backtestInputSchema>;

/** The execution settings a backtest input asks for, in the execution engine's terms. */
export function backtestExecutionInput(input: BacktestInput): Record<string, unknown> {
  const slippage = typeof input.slippage === "number"
    ? { model: "fixed", bps: input.slippage }
    : input.slippage;
  return {
    initial_cash: input.capital,
    allow_short: input.allow_short,
    ...(input.fees?.maker !== undefined ? { maker_fee: input.fees.maker } : {}),
    ...(input.fees?.taker !== undefined ? { taker_fee: input.fees.taker } : {}),
    ...(slippage ? { slippage } : {}),
  };
}
