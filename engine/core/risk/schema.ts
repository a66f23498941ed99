/**
 * Zod shape of the risk limits: shared by the strategy's `risk` block, the
 * session body's `risk` and the account-wide limits.
 *
 * @module
 */
import { z } from "zod";
import type { RiskLimits } from "./limits.ts";

const percent = z.number().positive().max(100);
const amount = z.number().positive().finite();
const count = z.number().int().min(1).max(100_000);

/** The fields of {@link RiskLimits} as zod schemas (to extend another object with). */
export const riskLimitsShape = {
  max_drawdown_percent: percent.optional(),
  daily_loss_percent: percent.optional(),
  loss_window_hours: z.number().positive().max(24 * 366).optional(),
  max_position_notional: amount.optional(),
  max_gross_exposure: amount.optional(),
  max_orders_per_minute: count.optional(),
  max_consecutive_losses: count.optional(),
  max_stop_outs: count.optional(),
  stop_out_window_minutes: z.number().positive().max(525_600).optional(),
  loss_cooldown_minutes: z.number().positive().max(525_600).optional(),
  flatten_on_halt: z.boolean().optional(),
  cooldown_per_symbol: z.boolean().optional(),
};

/** Zod schema of a set of risk limits (unknown keys refused). */
export const riskLimitsSchema: z.ZodType<RiskLimits> = z.strictObject(riskLimitsShape);
