import { type SessionInput, sessionInputSchema } from "../../contract/schemas.ts";
import type { Service } from "./service.ts";

/** Built-in example strategy the demo session runs (EMA cross on 1-minute candles with a stop and a target). */
export const DEMO_STRATEGY = "ema_cross_demo";

/**
 * The demo session's request on `symbol`: the demo strategy at the default
 * fees (0.1 % a side) with 2 bps of slippage (a small order on a liquid pair),
 * so what it shows is the strategy's moves, not mostly its costs.
 */
export function demoSessionInput(symbol: string): SessionInput {
  return sessionInputSchema.parse({
    strategy: DEMO_STRATEGY,
    symbol,
    name: "Demo: EMA cross with stop and target",
    slippage: 2,
  });
}

/** The idempotency key the demo session is created with. */
const DEMO_KEY = "demo-session";

/**
 * Starts one example session on the first symbol when the database holds no
 * session at all, so a fresh start shows the product trading.
 */
export async function startDemoSession(service: Service): Promise<void> {
  const { total } = await service.sessions.list({ limit: 1 });
  if (total > 0) return;
  // One key for every process: nodes starting at once on one database start one demo, not several.
  await service.sessions.createOnce(demoSessionInput(service.config.symbols[0]), DEMO_KEY);
}
