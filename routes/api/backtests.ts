import { Hono } from "hono";
import type { BacktestJobs } from "../../engine/runtime/backtest/mod.ts";
import { readBody } from "./body_limit.ts";
import { intQuery, jsonBody } from "./errors.ts";

/** Path of the upload endpoint (its body may exceed the general body limit). */
export const UPLOAD_PATH = "/api/backtests/data";
/** Largest recording an upload may store (bytes). */
export const MAX_UPLOAD_BYTES = 256 * 1024 * 1024;
/** Time an upload may take (ms). */
const UPLOAD_TIMEOUT_MS = 10 * 60_000;

/**
 * `/api/backtests`: `POST /` starts a backtest job (201 with the queued job);
 * `GET /` lists jobs (newest first, without results); `GET /:id` returns one
 * job with its progress and, once done, its result. `POST /data?name=FILE`
 * stores an uploaded recording (the raw body) in the backtest directory and
 * answers its `data` path; `GET /data` lists the recordings there.
 */
export function backtestRoutes(jobs: BacktestJobs): Hono {
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

  app.get("/data", async (c) => c.json({ files: await jobs.files.list() }));

  app.post("/data", async (c) => {
    const chunks = readBody(c.req.raw, {
      maxBytes: MAX_UPLOAD_BYTES,
      timeoutMs: UPLOAD_TIMEOUT_MS,
    });
    return c.json(await jobs.files.save(c.req.query("name") ?? "", chunks), 201);
  });

  app.get("/:id", async (c) => c.json(await jobs.get(c.req.param("id"))));
  return app;
}
