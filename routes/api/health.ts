import { Hono } from "hono";
import { DatabaseUnavailableError, sql } from "../../db/mod.ts";
import { settledWithin } from "../../engine/runtime/deadline.ts";
import type { Service } from "../../engine/runtime/service.ts";

/** How long the health check waits for the database to answer. */
const DB_CHECK_MS = 2_000;

/**
 * Whether the database answers `select 1` within {@link DB_CHECK_MS}, and if
 * not, why: an unreachable server's short reason, otherwise a pointer to the
 * log (a driver's own message may name hosts and ports).
 */
async function checkDatabase(service: Service): Promise<{ ok: boolean; error?: string }> {
  const answered = service.db.query(sql`select 1`);
  if (!await settledWithin(answered, DB_CHECK_MS)) {
    answered.catch(() => {});
    return { ok: false, error: `no answer within ${DB_CHECK_MS / 1000} s` };
  }
  try {
    await answered;
    return { ok: true };
  } catch (error) {
    if (error instanceof DatabaseUnavailableError) return { ok: false, error: error.message };
    service.log.warn(`health: database query failed: ${(error as Error).message}`);
    return { ok: false, error: "database query failed (see the service log)" };
  }
}

/**
 * `GET /api/health`: database, feed, session counters, restore progress at
 * start, the persister's queue (and outage), and the main thread's
 * event-loop lag. 503 when the database does not answer.
 */
export function healthRoutes(service: Service): Hono {
  const app = new Hono();
  app.get("/", async (c) => {
    const db = { kind: service.db.kind, ...await checkDatabase(service) };
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
        max: service.config.maxSessions,
        by_status: Object.fromEntries(
          Object.entries(Object.groupBy(live, (s) => s.status)).map(([k, v]) => [k, v!.length]),
        ),
        restarts: live.reduce((n, s) => n + s.restarts, 0),
      },
      restore: service.sessions.restoreProgress(),
      persister: service.persister.stats(),
      event_loop_lag_ms: Math.round(service.supervisor.loopLag()),
    };
    return c.json(body, db.ok ? 200 : 503);
  });
  return app;
}
