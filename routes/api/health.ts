import { Hono } from "hono";
import type { Health } from "../../engine/runtime/health.ts";

/**
 * `GET /api/health`: database, feed, session counters and workers, restore
 * progress at start, the persister's queue (and outage), and the main thread's
 * event-loop lag. 503 when the database does not answer.
 */
export function healthRoutes(health: () => Promise<Health>): Hono {
  const app = new Hono();
  app.get("/", async (c) => {
    const body = await health();
    return c.json(body, body.db.ok ? 200 : 503);
  });
  return app;
}
