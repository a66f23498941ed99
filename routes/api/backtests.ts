import { Hono } from "hono";
import { MAX_UPLOAD_BYTES } from "../../contract/mod.ts";
import { OPERATIONS } from "../../contract/operations.ts";
import { backtestJobs } from "../../engine/runtime/backtest/mod.ts";
import type { Service } from "../../engine/runtime/service.ts";
import { readBody } from "./body_limit.ts";
import { operations } from "./operation.ts";

/** Path of the upload endpoint (its body may exceed the general body limit). */
export const UPLOAD_PATH = OPERATIONS.uploadDataFile.path;
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
  const on = operations(app, "/api/backtests");

  on(OPERATIONS.createBacktest, async (c, { body }) => {
    const job = await jobs.create(body);
    return c.json(job, 201, { location: `/api/backtests/${job.id}` });
  });

  on(OPERATIONS.listBacktests, async (c, { query }) => {
    return c.json({ ...await jobs.list(query), ...query });
  });

  on(OPERATIONS.listDataFiles, async (c) => c.json({ files: await jobs.files.list() }));

  on(OPERATIONS.uploadDataFile, async (c, { query }) => {
    const chunks = readBody(c.req.raw, {
      maxBytes: MAX_UPLOAD_BYTES,
      timeoutMs: UPLOAD_TIMEOUT_MS,
    });
    return c.json(await jobs.files.save(query.name ?? "", chunks), 201);
  });

  on(OPERATIONS.getBacktest, async (c, { path }) => c.json(await jobs.get(path.id)));
  return app;
}
