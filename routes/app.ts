/**
 * The HTTP application: REST API under `/api`, live updates (SSE, WebSocket),
 * server-rendered dashboard pages and static files.
 */
import { Hono } from "hono";
import { MAX_BODY_BYTES } from "../contract/mod.ts";
import { serveStatic } from "hono/deno";
import type { Service } from "../engine/runtime/service.ts";
import { alertRoutes } from "./api/alerts.ts";
import { backtestRoutes, UPLOAD_PATH } from "./api/backtests.ts";
import { requireToken } from "./api/auth.ts";
import { limitBody } from "./api/body_limit.ts";
import { cleanUrl } from "./api/clean_url.ts";
import { healthRoutes } from "./api/health.ts";
import { marketRoutes } from "./api/market.ts";
import { errorBody, onApiError } from "./api/errors.ts";
import { riskRoutes } from "./api/risk.ts";
import { sessionRoutes } from "./api/sessions.ts";
import { strategyRoutes } from "./api/strategies.ts";
import { wsRoutes } from "./api/ws.ts";
import { sameOrigin } from "./api/same_origin.ts";
import { openApiRoutes } from "./api/openapi.ts";
import { docsRoutes } from "./docs.ts";
import { pageRoutes } from "./pages/mod.tsx";
import { loginPage } from "./pages/login.tsx";
import { notFoundPage } from "./pages/not_found.tsx";

/** Time a request body may take to arrive (ms); slower ones get 408. */
export const BODY_TIMEOUT_MS = 30_000;

/** Options of {@link createApp}. */
export interface AppOptions {
  /** Time a request body may take to arrive (default {@link BODY_TIMEOUT_MS}). */
  readonly bodyTimeoutMs?: number;
}

/**
 * Builds the Hono app over a running service. Every route, pages included,
 * passes the same guards in this order: cross-site check, token (when
 * configured), clean URL, bounded body.
 */
export function createApp(service: Service, options: AppOptions = {}): Hono {
  const app = new Hono();
  app.onError((error, c) => onApiError(error, c, service.log));
  app.notFound((c) =>
    c.req.path.startsWith("/api/")
      ? c.json(
        errorBody(
          `no route for ${c.req.method} ${c.req.path}; the API is listed at /api/docs`,
        ),
        404,
      )
      : c.html(notFoundPage(service, `There is no page at ${c.req.path}.`), 404)
  );

  app.use(sameOrigin());
  const { apiToken, readToken } = service.config;
  if (apiToken) {
    app.use(requireToken({ apiToken, readToken }, { loginPage: (c) => loginPage(c) }));
  }
  app.use(cleanUrl());
  const bounded = limitBody({
    maxBytes: MAX_BODY_BYTES,
    timeoutMs: options.bodyTimeoutMs ?? BODY_TIMEOUT_MS,
  });
  app.use((c, next) => c.req.path === UPLOAD_PATH ? next() : bounded(c, next));

  app.route("/api/health", healthRoutes(() => service.health()));
  app.route("/api/paper_trading/sessions", sessionRoutes(service));
  app.route("/api/strategies", strategyRoutes(service.strategies));
  app.route("/api/market", marketRoutes(service.hub, () => service.config.symbols));
  app.route("/api/ws", wsRoutes(service));
  app.route("/api/backtests", backtestRoutes(service.backtests));
  app.route("/api/risk", riskRoutes(service));
  app.route("/api/alerts", alertRoutes(service.alerts));
  app.route("/api", openApiRoutes());
  app.use("/static/*", serveStatic({ root: new URL("..", import.meta.url).pathname }));
  app.route("/docs", docsRoutes());
  app.route("/", pageRoutes(service));
  return app;
}
