import { Hono } from "hono";
import { sql } from "../../db/mod.ts";
import type { Service } from "../../engine/runtime/service.ts";

/**
 * `GET /api/health`: database, feed and session counters. 503 when the
 * database fails; why is logged, never shown (it names hosts and ports).
 */
export function healthRoutes(service: Service): Hono {
  const app = new Hono();
  app.get("/", async (c) => {
    let db: { kind: string; ok: boolean; error?: string };
    try {
      await service.db.query(sql`select 1`);
      db = { kind: service.db.kind, ok: true };
    } catch (error) {
      service.log.warn(`health: database query failed: ${(error as Error).message}`);
      db = {
        kind: service.db.kind,
        ok: false,
        error: "database query failed (see the service log)",
      };
    }
    const market = service.hub.health();
    const live = service.supervisor.ids().map((id) => service.supervisor.get(id)!);
    const body = {
      status: db.ok ? "ok" : "degraded",
      simulated: market.feed.simulated,
      db,
      feed: market.feed,
      market,
      sessions: {
        live: live.length,
        by_status: Object.fromEntries(
          Object.entries(Object.groupBy(live, (s) => s.status)).map(([k, v]) => [k, v!.length]),
        ),
      },
      persister: service.persister.stats(),
    };
    return c.json(body, db.ok ? 200 : 503);
  });
  return app;
}
