/**
 * The request body that creates a paper trading session, validated with zod.
 * The same schema feeds the OpenAPI document.
 */
import { DEFAULT_INITIAL_CAPITAL, MAX_INITIAL_CAPITAL } from "../../contract/mod.ts";
import { z } from "zod";
import { executionFields, strategyRefSchema, symbolSchema } from "./trading_input.ts";

/** Body of `POST /api/paper_trading/sessions`. */
export const sessionInputSchema = z.object({
  strategy: strategyRefSchema,
  symbol: symbolSchema,
  initial_capital: z.number().positive().max(MAX_INITIAL_CAPITAL).default(DEFAULT_INITIAL_CAPITAL),
  name: z.string().max(100).optional(),
  ...executionFields,
}).strict();

/** A validated session creation request. */
export type SessionInput = z.infer<typeof sessionInputSchema>;
