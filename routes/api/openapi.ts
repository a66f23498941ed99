/**
 * The OpenAPI 3.1 document of the REST API, generated from the same zod
 * schemas that validate requests, and a readable docs page rendered from it.
 */
import { Hono } from "hono";
import { z } from "zod";
import { backtestInputSchema, sessionInputSchema } from "../../contract/schemas.ts";
import { SESSION_STATUSES } from "../../engine/core/session/mod.ts";
import { TIMEFRAMES } from "../../engine/core/types.ts";

type Operation = {
  summary: string;
  parameters?: unknown[];
  requestBody?: unknown;
  responses: Record<string, { description: string; content?: unknown }>;
};

const json = (schema: unknown = {}) => ({ "application/json": { schema } });
const error = (description: string) => ({
  description,
  content: json({ $ref: "#/components/schemas/Error" }),
});
const idParam = { name: "id", in: "path", required: true, schema: { type: "string" } };
const symbolParam = { name: "symbol", in: "path", required: true, schema: { type: "string" } };
const query = (name: string, schema: unknown, description = "") => ({
  name,
  in: "query",
  required: false,
  schema,
  description,
});
const page = [
  query("limit", { type: "integer", minimum: 1, maximum: 1000 }),
  query("offset", { type: "integer", minimum: 0 }),
];
/** The answer when a strategy document could not be validated in time. */
const VALIDATION_BUSY = error("strategy validation busy or not finished within 10 s");

const strategyBody = {
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

const PATHS: Record<string, Record<string, Operation>> = {
  "/api/health": {
    get: {
      summary: "Database, feed, market data and session health (feed labelled simulated or live)",
      responses: { "200": { description: "healthy" }, "503": error("database unavailable") },
    },
  },
  "/api/paper_trading/sessions": {
    post: {
      summary:
        "Start a paper trading session. With an Idempotency-Key, a repeated request returns the session the first one started (200).",
      parameters: [{
        name: "Idempotency-Key",
        in: "header",
        required: false,
        schema: { type: "string", minLength: 1, maxLength: 255 },
        description: "any unique string (visible ASCII); send the same key when retrying",
      }],
      requestBody: { required: true, content: json({ $ref: "#/components/schemas/SessionInput" }) },
      responses: {
        "201": { description: "created", content: json({ $ref: "#/components/schemas/Session" }) },
        "200": {
          description: "already created with this Idempotency-Key",
          content: json({ $ref: "#/components/schemas/Session" }),
        },
        "400": error("malformed JSON, invalid fields or Idempotency-Key"),
        "413": error("body larger than 1 MB"),
        "422": error("invalid strategy document, or Idempotency-Key used for a different request"),
        "503": error(
          "strategy validation busy, node at capacity (MAX_SESSIONS), database unavailable, or not running within 60 s",
        ),
      },
    },
    get: {
      summary: "List sessions, newest first",
      parameters: [query("status", { enum: SESSION_STATUSES }), ...page],
      responses: { "200": { description: "a page of sessions" }, "400": error("bad query") },
    },
  },
  "/api/paper_trading/sessions/{id}": {
    get: {
      summary: "Status, position, balances, P&L, warm-up, last price, last error",
      parameters: [idParam],
      responses: {
        "200": {
          description: "the session",
          content: json({ $ref: "#/components/schemas/Session" }),
        },
        "404": error("unknown id"),
      },
    },
    delete: {
      summary: "Stop a session; returns its final metrics",
      parameters: [idParam],
      responses: {
        "200": { description: "stopped" },
        "404": error("unknown id"),
        "409": error("invalid transition"),
      },
    },
  },
  "/api/paper_trading/sessions/{id}/pause": {
    post: {
      summary: "Pause trading (indicators stay warm)",
      parameters: [idParam],
      responses: {
        "200": { description: "paused" },
        "404": error("unknown id"),
        "409": error("invalid transition"),
      },
    },
  },
  "/api/paper_trading/sessions/{id}/resume": {
    post: {
      summary: "Resume a paused session, or start a failed one again from its last stored state",
      parameters: [idParam],
      responses: {
        "200": { description: "resumed" },
        "404": error("unknown id"),
        "409": error("invalid transition"),
      },
    },
  },
  "/api/paper_trading/sessions/{id}/trades": {
    get: {
      summary: "Fills (executions), oldest first; ?format=csv downloads them all as CSV",
      parameters: [idParam, query("format", { enum: ["json", "csv"] }), ...page],
      responses: { "200": { description: "a page of fills, or CSV" }, "404": error("unknown id") },
    },
  },
  "/api/paper_trading/sessions/{id}/closed_trades": {
    get: {
      summary: "Round trips (entry to exit) with P&L net of fees",
      parameters: [idParam, ...page],
      responses: { "200": { description: "a page of round trips" }, "404": error("unknown id") },
    },
  },
  "/api/paper_trading/sessions/{id}/orders": {
    get: {
      summary: "Orders in their latest state, newest first",
      parameters: [idParam, ...page],
      responses: { "200": { description: "a page of orders" }, "404": error("unknown id") },
    },
  },
  "/api/paper_trading/sessions/{id}/equity": {
    get: {
      summary: "Equity samples (one per minute of exchange time)",
      parameters: [idParam, query("limit", { type: "integer", minimum: 1, maximum: 10000 })],
      responses: { "200": { description: "samples" }, "404": error("unknown id") },
    },
  },
  "/api/paper_trading/sessions/{id}/signals": {
    get: {
      summary: "The last signals with their reasons and what was done about them",
      parameters: [idParam, query("limit", { type: "integer", minimum: 1, maximum: 1000 })],
      responses: { "200": { description: "signals, newest first" }, "404": error("unknown id") },
    },
  },
  "/api/paper_trading/sessions/{id}/metrics": {
    get: {
      summary: "Performance metrics (Sharpe, Sortino, Calmar, drawdown, win rate, …)",
      parameters: [idParam],
      responses: { "200": { description: "metrics" }, "404": error("unknown id") },
    },
  },
  "/api/paper_trading/sessions/{id}/stream": {
    get: {
      summary:
        "Server-sent events of the session: session, effect (order, fill, trade_closed, signal, equity; only once durable), view, status, heartbeat",
      parameters: [idParam],
      responses: { "200": { description: "text/event-stream" }, "404": error("unknown id") },
    },
  },
  "/api/strategies/validate": {
    post: {
      summary: "Validate a strategy document (YAML or JSON)",
      requestBody: strategyBody,
      responses: {
        "200": { description: "{valid: true}" },
        "422": { description: "{valid: false, errors: [{path, message}]}" },
        "503": VALIDATION_BUSY,
      },
    },
  },
  "/api/strategies": {
    get: { summary: "List stored strategies", responses: { "200": { description: "strategies" } } },
    post: {
      summary: "Store a new strategy (id from ?id= or its name)",
      parameters: [query("id", { type: "string" })],
      requestBody: strategyBody,
      responses: {
        "201": { description: "stored" },
        "422": error("invalid document or id taken"),
        "503": VALIDATION_BUSY,
      },
    },
  },
  "/api/strategies/{id}": {
    get: {
      summary: "A stored strategy (?version=N for an earlier version)",
      parameters: [idParam, query("version", { type: "integer", minimum: 1 })],
      responses: { "200": { description: "the strategy" }, "404": error("unknown id or version") },
    },
    put: {
      summary: "Save a new version",
      parameters: [idParam],
      requestBody: strategyBody,
      responses: {
        "200": { description: "updated" },
        "404": error("unknown id"),
        "422": error("invalid document"),
        "503": VALIDATION_BUSY,
      },
    },
    delete: {
      summary: "Delete a strategy (sessions keep their own copy)",
      parameters: [idParam],
      responses: { "204": { description: "deleted" }, "404": error("unknown id") },
    },
  },
  "/api/market/{symbol}": {
    get: {
      summary: "Last price, bid, ask, 24 h change and feed status",
      parameters: [symbolParam],
      responses: { "200": { description: "ticker" }, "404": error("unknown symbol") },
    },
  },
  "/api/market/{symbol}/trades": {
    get: {
      summary: "Recent trades (up to 1000)",
      parameters: [symbolParam, query("limit", { type: "integer", minimum: 1, maximum: 1000 })],
      responses: { "200": { description: "trades" }, "404": error("unknown symbol") },
    },
  },
  "/api/market/{symbol}/candles": {
    get: {
      summary: "Recent candles of a timeframe (up to 500)",
      parameters: [
        symbolParam,
        query("tf", { enum: TIMEFRAMES }),
        query("limit", { type: "integer", minimum: 1, maximum: 500 }),
      ],
      responses: { "200": { description: "candles" }, "404": error("unknown symbol") },
    },
  },
  "/api/backtests": {
    post: {
      summary: "Run a backtest over a recording on the server, as a job with progress",
      requestBody: {
        required: true,
        content: json({ $ref: "#/components/schemas/BacktestInput" }),
      },
      responses: {
        "201": { description: "queued; Location: /api/backtests/{id}" },
        "400": error("invalid fields"),
        "422": error(
          "invalid strategy, unknown strategy id, or data that is not a recording in the backtest directory",
        ),
        "503": VALIDATION_BUSY,
      },
    },
    get: {
      summary: "List backtest jobs, newest first",
      parameters: page,
      responses: { "200": { description: "jobs (without their results)" } },
    },
  },
  "/api/backtests/data": {
    get: {
      summary: "Recordings in the backtest directory (BACKTEST_DIR), as paths relative to it",
      responses: { "200": { description: "{files: [path, …]}" } },
    },
    post: {
      summary:
        "Upload a recording (the raw file as the body, up to 256 MB); it is stored in the backtest directory under a generated folder",
      parameters: [
        {
          ...query(
            "name",
            { type: "string" },
            "file name ending in .jsonl, .csv, .jsonl.gz or .csv.gz",
          ),
          required: true,
        },
      ],
      requestBody: {
        required: true,
        content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } },
      },
      responses: {
        "201": { description: "{data: path for POST /api/backtests, bytes}" },
        "400": error("invalid file name"),
        "408": error("the body did not arrive within 10 minutes"),
        "413": error("larger than 256 MB"),
      },
    },
  },
  "/api/backtests/{id}": {
    get: {
      summary: "A backtest job: status, progress 0..1, result (trades, metrics, charts) or error",
      parameters: [idParam],
      responses: { "200": { description: "the job" }, "404": error("unknown id") },
    },
  },
  "/api/ws": {
    get: {
      summary:
        'WebSocket. Send {"op":"subscribe","topics":["ticker:BTCUSDT","trades:BTCUSDT","market_data:BTCUSDT","trading:SESSION_ID"]}; receive {"type":"update","topic","data"}, heartbeats every 15 s; {"op":"unsubscribe"}, {"op":"ping"}. Slow clients are closed with code 1008.',
      responses: { "101": { description: "switching protocols" } },
    },
  },
};

/** Builds the OpenAPI document. */
export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: {
      title: "Paper trading service API",
      version: "1",
      description:
        "Errors are JSON {error, details} with a 4xx status: 400 bad input (also %00 or invalid UTF-8 in the URL, NUL or lone surrogates in text), 401 missing or wrong token, 403 cross-site request or read-only token, 404 unknown id, 408 body too slow (30 s), 409 invalid transition, 413 body over 1 MB, 422 invalid strategy; or 503 with the reason when the service cannot take the request now (database unavailable, node at MAX_SESSIONS, a session restarting). With PAPER_API_TOKEN set, every request needs Authorization: Bearer TOKEN (the WebSocket also takes ?token=), reads included; PAPER_READ_TOKEN, when set, may read but not change anything. This description (/api/openapi.json, /api/docs) stays public.",
    },
    security: [{ bearer: [] }],
    paths: PATHS,
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: {
        SessionInput: z.toJSONSchema(sessionInputSchema, { io: "input", unrepresentable: "any" }),
        BacktestInput: z.toJSONSchema(backtestInputSchema, { io: "input", unrepresentable: "any" }),
        Session: { type: "object", description: "see GET /api/paper_trading/sessions/{id}" },
        Error: {
          type: "object",
          required: ["error"],
          properties: {
            error: { type: "string" },
            details: { type: "array", items: { type: "object" } },
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
function docsPage(document: Record<string, unknown>): string {
  const rows = Object.entries(document.paths as typeof PATHS).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) =>
      `<tr><td><code>${method.toUpperCase()}</code></td><td><code>${escape(path)}</code></td><td>${
        escape(op.summary)
      }</td><td>${Object.keys(op.responses).join(", ")}</td></tr>`
    )
  ).join("\n");
  const input = escape(JSON.stringify(
    (document.components as { schemas: Record<string, unknown> }).schemas.SessionInput,
    null,
    2,
  ));
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>API · Paper Trader</title><link rel="stylesheet" href="/static/style.css"><link rel="icon" href="data:,"></head>
<body><header class="top"><a class="brand" href="/">Paper Trader</a><nav><a href="/paper_trading">Sessions</a><a href="/strategies">Strategies</a><a href="/api/openapi.json">openapi.json</a></nav></header>
<main><h1>REST API</h1><p class="muted">Generated from the request schemas. Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a>.</p>
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
