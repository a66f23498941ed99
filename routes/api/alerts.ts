import { Hono } from "hono";
import { OPERATIONS } from "../../contract/operations.ts";
import type { Alerts } from "../../engine/runtime/alerts/mod.ts";
import { operations } from "./operation.ts";

/**
 * `GET /api/alerts?status=pending|delivered|failed&session&limit&offset`: the
 * alert outbox, newest first, one row per alert and target (targets without path
 * or query, which may hold tokens).
 */
export function alertRoutes(alerts: Alerts): Hono {
  const app = new Hono();
  const on = operations(app, "/api/alerts");
  on(OPERATIONS.listAlerts, async (c, { query }) => {
    const limit = query.limit;
    const offset = query.offset;
    return c.json({
      items: await alerts.list({ status: query.status, sessionId: query.session, limit, offset }),
      limit,
      offset,
    });
  });
  return app;
}
