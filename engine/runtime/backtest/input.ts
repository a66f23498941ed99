/**
 * The request body that starts a backtest job, validated with zod. Fees,
 * slippage and sizing mean what they mean for a paper session.
 */
import { z } from "zod";
import { executionFields, strategyRefSchema, symbolSchema } from "../trading_input.ts";

/** The last instant a JavaScript date can hold (ms). */
const LAST_DATE_MS = 8.64e15;

const time = z.union([
  z.string().refine((s) => !Number.isNaN(Date.parse(s)), "an ISO-8601 time"),
  z.number().int().min(0).max(LAST_DATE_MS),
]).transform((t) => typeof t === "number" ? t : Date.parse(t));

/** Body of `POST /api/backtests`. */
export const backtestInputSchema = z.object({
  strategy: strategyRefSchema,
  data: z.string().min(1).max(4096)
    .describe(
      "a recording in the backtest directory (BACKTEST_DIR), as a path relative to it: " +
        "one listed by GET /api/backtests/data or returned by an upload",
    ),
  symbol: symbolSchema.optional(),
  from: time.optional().describe("ISO-8601 time or epoch ms"),
  to: time.optional().describe("ISO-8601 time or epoch ms"),
  capital: z.number().positive().max(1e12).default(10_000),
  ...executionFields,
}).strict();

/** A validated backtest request. */
export type BacktestInput = z.infer<typeof backtestInputSchema>;
