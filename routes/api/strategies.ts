import { Hono } from "hono";
import { OPERATIONS } from "../../contract/operations.ts";
import { ValidationError } from "../../engine/runtime/errors.ts";
import type { StrategyDocument, StrategyStore } from "../../engine/runtime/strategies.ts";
import { assertStorable, parseJson } from "./errors.ts";
import { operations } from "./operation.ts";

/**
 * Reads a strategy document from a request: a raw YAML/JSON body, or JSON
 * `{"source": "..."}` / `{"document": {...}}`.
 */
async function documentOf(request: Request): Promise<StrategyDocument> {
  const text = await request.text();
  if (text.trim() === "") {
    throw new ValidationError("request body is empty", [{
      path: "",
      message: "send a YAML or JSON strategy document",
    }]);
  }
  if ((request.headers.get("content-type") ?? "").includes("application/json")) {
    const body = parseJson(text);
    if (body && typeof body === "object" && "source" in body) {
      const source = (body as { source: unknown }).source;
      if (typeof source !== "string") {
        throw new ValidationError("invalid request", [{
          path: "source",
          message: "expected a string",
        }]);
      }
      return source;
    }
    if (body && typeof body === "object" && "document" in body) {
      const document = (body as { document: unknown }).document;
      if (typeof document !== "object" || document === null || Array.isArray(document)) {
        throw new ValidationError("invalid request", [{
          path: "document",
          message: "expected a mapping (the strategy document)",
        }]);
      }
      return document as Record<string, unknown>;
    }
  }
  assertStorable(text);
  return text;
}

/** `/api/strategies`: validate, create, list, get, update, delete. */
export function strategyRoutes(store: StrategyStore): Hono {
  const app = new Hono();
  const on = operations(app, "/api/strategies");

  on(OPERATIONS.validateStrategy, async (c) => {
    const result = await store.check(await documentOf(c.req.raw));
    return result.ok
      ? c.json({ valid: true, name: result.strategy.name })
      : c.json({ valid: false, errors: result.errors }, 422);
  });

  on(OPERATIONS.listStrategies, async (c) => c.json({ strategies: await store.list() }));

  on(OPERATIONS.createStrategy, async (c, { query: { id } }) => {
    return c.json(await store.create(await documentOf(c.req.raw), id ? { id } : {}), 201);
  });

  on(
    OPERATIONS.getStrategy,
    async (c, { path, query }) => c.json(await store.get(path.id, query.version)),
  );

  on(
    OPERATIONS.updateStrategy,
    async (c, { path }) => c.json(await store.update(path.id, await documentOf(c.req.raw))),
  );

  on(OPERATIONS.deleteStrategy, async (c, { path }) => {
    await store.delete(path.id);
    return c.body(null, 204);
  });

  return app;
}
