import { sessionInputSchema } from "../../contract/schemas.ts";
import type { Service } from "./service.ts";

/** Built-in example strategy the demo session runs (fast EMA cross on 1-second candles). */
export const DEMO_STRATEGY = "ema_cross_fast";

/** The idempotency key the demo session is created with. */
const DEMO_KEY = "demo-session";

/**
 * Starts one example session on the first symbol when the database holds no
 * session at all, so a fresh start shows trading within seconds.
 */
export async function startDemoSession(service: Service): Promise<void> {
  const { total } = await service.sessions.list({ limit: 1 });
  if (total > 0) return;
  // One key for every process: nodes starting at once on one database start one demo, not several.
  await service.sessions.createOnce(
    sessionInputSchema.parse({
      strategy: DEMO_STRATEGY,
      symbol: service.config.symbols[0],
      name: "Demo: fast EMA cross",
    }),
    DEMO_KEY,
  );
}
