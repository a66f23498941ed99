import { Hono } from "hono";
import { BACKTEST_LIST_LIMIT, MAX_UPLOAD_BYTES, OFFSET } from "../../contract/mod.ts";
import { backtestJobs } from "../../engine/runtime/backtest/mod.ts";
import type { Service } from "../../engine/runtime/service.ts";
import { readBody } from "./body_limit.ts";
import { intQuery, jsonBody } from "./errors.ts";

/** Path of the upload endpoint (its body may exceed the general body limit). */
export const UPLOAD_PATH = "/api/backtests/data";
/** Time an upload may take (ms). */
const UPLOAD_TIMEOUT_MS = 10 * 60_000;

/**
 * `/api/backtests`: `POST /` starts a backtest job (201 with the queued job);
 * `GET /` lists jobs (newest first, without results); `GET /:id` returns one
 * job with its progress and, once done, its result. `POST /data?name=FILE`
 * stores an uploaded recording (the raw body) in the backtest directory and
 * answers its `data` path; `GET /data` lists the recordings there.
 */
export function backtestRoutes(service: Service): Hono {
  const jobs = backtestJobs(service);
  const app = new Hono();

  app.post("/", async (c) => {
    const job = await jobs.create(await jsonBody(c));
    return c.json(job, 201, { location: `/api/backtests/${job.id}` });
  });

  app.get("/", async (c) => {
    const limit = intQuery(c, "limit", BACKTEST_LIST_LIMIT);
    const offset = intQuery(c, "offset", OFFSET);
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
