import { Hono } from "hono";
import { OPERATIONS } from "../../contract/operations.ts";
import type { Service } from "../../engine/runtime/service.ts";
import { operations } from "./operation.ts";

/** `/api/risk`: the account-wide limits and the kill switch. */
export function riskRoutes(service: Pick<Service, "risk">): Hono {
  const { risk } = service;
  const app = new Hono();
  const on = operations(app, "/api/risk");
  on(OPERATIONS.getRisk, async (c) => c.json(await risk.get()));
  on(OPERATIONS.putRisk, async (c, { body }) => c.json(await risk.put(body)));
  on(OPERATIONS.haltAll, async (c, { body }) => c.json(await risk.halt(body.flatten)));
  on(OPERATIONS.resumeAll, async (c) => c.json(await risk.resume()));
  return app;
}
