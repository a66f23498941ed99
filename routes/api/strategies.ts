import { Hono } from "hono";
import { STRATEGY_VERSION } from "../../contract/mod.ts";
import { ValidationError } from "../../engine/runtime/errors.ts";
import type { StrategyDocument, StrategyStore } from "../../engine/runtime/strategies.ts";
import { assertStorable, intQuery, parseJson } from "./errors.ts";

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

  app.post("/validate", async (c) => {
    const result = await store.check(await documentOf(c.req.raw));
    return result.ok
      ? c.json({ valid: true, name: result.strategy.name })
      : c.json({ valid: false, errors: result.errors }, 422);
  });

  app.get("/", async (c) => c.json({ strategies: await store.list() }));

  app.post("/", async (c) => {
    const id = c.req.query("id");
    return c.json(await store.create(await documentOf(c.req.raw), id ? { id } : {}), 201);
  });

  app.get("/:id", async (c) => {
    const version = c.req.query("version") === undefined
      ? undefined
      : intQuery(c, "version", STRATEGY_VERSION);
    return c.json(await store.get(c.req.param("id"), version));
  });

  app.put(
    "/:id",
    async (c) => c.json(await store.update(c.req.param("id"), await documentOf(c.req.raw))),
  );

  app.delete("/:id", async (c) => {
    await store.delete(c.req.param("id"));
    return c.body(null, 204);
  });

  return app;
}
