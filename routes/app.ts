/**
 * The HTTP application: REST API under `/api`, live updates (SSE, WebSocket),
 * server-rendered dashboard pages and static files.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { serveStatic } from "hono/deno";
import type { Service } from "../engine/runtime/service.ts";
import { backtestRoutes } from "./api/backtests.ts";
import { healthRoutes } from "./api/health.ts";
import { marketRoutes } from "./api/market.ts";
import { onApiError } from "./api/errors.ts";
import { sessionRoutes } from "./api/sessions.ts";
import { strategyRoutes } from "./api/strategies.ts";
import { wsRoutes } from "./api/ws.ts";
import { sameOrigin } from "./api/same_origin.ts";
import { openApiRoutes } from "./api/openapi.ts";
import { pageRoutes } from "./pages/mod.tsx";

/** Largest request body accepted (bytes); larger ones get 413. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Builds the Hono app over a running service. */
export function createApp(service: Service): Hono {
  const app = new Hono();
  app.onError((error, c) => onApiError(error, c, service.log));
  app.notFound((c) =>
    c.req.path.startsWith("/api/")
      ? c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404)
      : c.text("Not found", 404)
  );

  app.use("/api/*", sameOrigin());
  app.use(
    "/api/*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => c.json({ error: `request body larger than ${MAX_BODY_BYTES} bytes` }, 413),
    }),
  );
  const token = service.config.apiToken;
  if (token) {
    app.use("/api/*", async (c, next) => {
      const mutating = !["GET", "HEAD", "OPTIONS"].includes(c.req.method) ||
        c.req.path === "/api/ws";
      if (mutating) {
        const given = c.req.header("authorization") ??
          (c.req.path === "/api/ws" ? `Bearer ${c.req.query("token") ?? ""}` : "");
        if (given !== `Bearer ${token}`) {
          return c.json({ error: "missing or wrong bearer token (Authorization: Bearer …)" }, 401);
        }
      }
      await next();
    });
  }

  app.route("/api/health", healthRoutes(service));
  app.route("/api/paper_trading/sessions", sessionRoutes(service));
  app.route("/api/strategies", strategyRoutes(service.strategies));
  app.route("/api/market", marketRoutes(service.hub, () => service.config.symbols));
  app.route("/api/ws", wsRoutes(service));
  app.route("/api/backtests", backtestRoutes(service));
  app.route("/api", openApiRoutes());
  app.use("/static/*", serveStatic({ root: new URL("..", import.meta.url).pathname }));
  app.route("/", pageRoutes(service));
  return app;
}
