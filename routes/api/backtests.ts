import { Hono } from "hono";
import { backtestJobs } from "../../engine/runtime/backtest/mod.ts";
import type { Service } from "../../engine/runtime/service.ts";
import { intQuery, jsonBody } from "./errors.ts";

/**
 * `/api/backtests`: `POST /` starts a backtest job (201 with the queued job);
 * `GET /` lists jobs (newest first, without results); `GET /:id` returns one
 * job with its progress and, once done, its result.
 */
export function backtestRoutes(service: Service): Hono {
  const jobs = backtestJobs(service);
  const app = new Hono();

  app.post("/", async (c) => {
    const job = await jobs.create(await jsonBody(c));
    return c.json(job, 201, { location: `/api/backtests/${job.id}` });
  });

  app.get("/", async (c) => {
    const limit = intQuery(c, "limit", { min: 1, max: 500, fallback: 50 });
    const offset = intQuery(c, "offset", { min: 0, max: 1e9, fallback: 0 });
    return c.json({ ...await jobs.list({ limit, offset }), limit, offset });
  });

  app.get("/:id", async (c) => c.json(await jobs.get(c.req.param("id"))));
  return app;
}
