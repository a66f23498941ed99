/**
 * The OpenAPI 3.1 document of the REST API, generated from the contract's
 * operation table (the one the routes are registered and validated from) and
 * its zod request schemas, and a readable docs page rendered from it.
 */
import { Hono } from "hono";
import { z } from "zod";
import {
  type Answer,
  IDEMPOTENCY_KEY_HEADER,
  type Operation,
  OPERATIONS,
  type QueryParam,
  type RequestBody,
} from "../../contract/operations.ts";

type Document = {
  paths: Record<string, Record<string, DocumentedOperation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
};
type DocumentedOperation = { summary: string; responses: Record<string, unknown> };

const json = (schema: unknown) => ({ "application/json": { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

function querySchema(param: QueryParam): Record<string, unknown> {
  switch (param.type) {
    case "integer":
      return {
        type: "integer",
        minimum: param.range.min,
        maximum: param.range.max,
        ...(param.optional ? {} : { default: param.range.fallback }),
      };
    case "enum":
      return { enum: param.values, ...(param.fallback ? { default: param.fallback } : {}) };
    case "string":
      return { type: "string" };
  }
}

function parameters(operation: Operation): unknown[] {
  const path = [...operation.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
    name,
    in: "path",
    required: true,
    schema: { type: "string" },
  }));
  const query = Object.entries(operation.query ?? {}).map(([name, param]) => ({
    name,
    in: "query",
    required: param.type === "string" && param.required === true,
    schema: querySchema(param),
    ...(param.type === "string" && param.description ? { description: param.description } : {}),
  }));
  const header = operation.idempotent
    ? [{
      name: IDEMPOTENCY_KEY_HEADER.name,
      in: "header",
      required: false,
      schema: { type: "string", minLength: 1, maxLength: IDEMPOTENCY_KEY_HEADER.maxLength },
      description: IDEMPOTENCY_KEY_HEADER.description,
    }]
    : [];
  return [...header, ...path, ...query];
}

function requestBody(body: RequestBody): unknown {
  switch (body.type) {
    case "json":
      return { required: !body.optional, content: json(ref(body.name)) };
    case "strategy":
      return {
        required: true,
        content: {
          "application/yaml": { schema: { type: "string" } },
          "application/json": {
            schema: {
              oneOf: [{ type: "object", properties: { source: { type: "string" } } }, {
                type: "object",
                description: "the strategy document itself",
              }],
            },
          },
        },
      };
    case "binary":
      return {
        required: true,
        content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } },
      };
  }
}

function response(status: string, answer: Answer): unknown {
  const { description, schema } = typeof answer === "string" ? { description: answer } : answer;
  const named = schema ?? (Number(status) >= 400 ? "Error" : undefined);
  return named ? { description, content: json(ref(named)) } : { description };
}

function documented(operation: Operation): DocumentedOperation {
  return {
    summary: operation.summary,
    ...(operation.query || operation.idempotent || operation.path.includes("{")
      ? { parameters: parameters(operation) }
      : {}),
    ...(operation.body ? { requestBody: requestBody(operation.body) } : {}),
    responses: Object.fromEntries(
      Object.entries(operation.answers).map((
        [status, answer],
      ) => [status, response(status, answer)]),
    ),
  };
}

/** The request schemas the document names, from the operations' JSON bodies. */
function bodySchemas(): Record<string, unknown> {
  const operations: readonly Operation[] = Object.values(OPERATIONS);
  return Object.fromEntries(
    operations.flatMap(({ body }) =>
      body?.type === "json"
        ? [[body.name, z.toJSONSchema(body.schema, { io: "input", unrepresentable: "any" })]]
        : []
    ),
  );
}

/** Builds the OpenAPI document. */
export function openApiDocument(): Document & Record<string, unknown> {
  const paths: Document["paths"] = {};
  for (const operation of Object.values(OPERATIONS) as Operation[]) {
    (paths[operation.path] ??= {})[operation.method] = documented(operation);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Paper trading service API",
      version: "1",
      description:
        "Errors are JSON {error, details} with a 4xx status: 400 bad input (also %00 or invalid UTF-8 in the URL, NUL or lone surrogates in text), 401 missing or wrong token, 403 cross-site request or read-only token, 404 unknown id, 408 body too slow (30 s), 409 invalid transition, 413 body over 1 MB, 422 invalid strategy; or 503 with the reason when the service cannot take the request now (database unavailable, node at MAX_SESSIONS, a session restarting, node holding MAX_LIVE_CONNECTIONS WebSockets and SSE streams). With PAPER_API_TOKEN set, every request needs Authorization: Bearer TOKEN (the WebSocket also takes ?token=), reads included; PAPER_READ_TOKEN, when set, may read but not change anything. This description (/api/openapi.json, /api/docs) stays public.",
    },
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: {
        ...bodySchemas(),
        Session: { type: "object", description: "see GET /api/paper_trading/sessions/{id}" },
        StrategyCheck: {
          type: "object",
          required: ["valid", "errors"],
          properties: {
            valid: { const: false },
            errors: { type: "array", items: { $ref: "#/components/schemas/ErrorDetail" } },
          },
        },
        ErrorDetail: {
          type: "object",
          required: ["path", "message"],
          properties: { path: { type: "string" }, message: { type: "string" } },
        },
        Error: {
          type: "object",
          required: ["error", "details"],
          properties: {
            error: { type: "string" },
            details: { type: "array", items: { $ref: "#/components/schemas/ErrorDetail" } },
          },
        },
      },
    },
  };
}

function escape(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** A readable HTML page listing every operation of the document. */
function docsPage(document: Document): string {
  const rows = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) =>
      `<tr><td><code>${method.toUpperCase()}</code></td><td><code>${escape(path)}</code></td><td>${
        escape(op.summary)
      }</td><td>${Object.keys(op.responses).join(", ")}</td></tr>`
    )
  ).join("\n");
  const input = escape(JSON.stringify(document.components.schemas.SessionInput, null, 2));
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>API · Paper Trader</title><link rel="stylesheet" href="/static/style.css"><link rel="icon" href="data:,"></head>
<body><header class="top"><a class="brand" href="/">Paper Trader</a><nav><a href="/paper_trading">Sessions</a><a href="/strategies">Strategies</a><a href="/api/openapi.json">openapi.json</a></nav></header>
<main><h1>REST API</h1><p class="muted">Generated from the table the routes are registered and validated from, and their request schemas. Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a>.</p>
<div class="table-wrap"><table><thead><tr><th>Method</th><th>Path</th><th>What</th><th>Statuses</th></tr></thead><tbody>${rows}</tbody></table></div>
<h2>Session request body</h2><pre>${input}</pre></main></body></html>`;
}

/** `/api/openapi.json` and `/api/docs`. */
export function openApiRoutes(): Hono {
  const document = openApiDocument();
  const app = new Hono();
  app.get("/openapi.json", (c) => c.json(document));
  app.get("/docs", (c) => c.html(docsPage(document)));
  return app;
}
