import { Hono } from "hono";
import { NotFoundError } from "../../engine/runtime/errors.ts";
import type { Service } from "../../engine/runtime/service.ts";
import type { PageDeps } from "./render.tsx";
import { alertsPage } from "./alerts.tsx";
import { notFoundPage } from "./not_found.tsx";
import { overviewPage } from "./overview.tsx";
import { sessionPage } from "./session.tsx";
import { strategiesPage } from "./strategies.tsx";
import { backtestPages } from "./backtests.tsx";
import { loginRoutes } from "./login.tsx";

/** Server-rendered dashboard pages; each hydrates its islands in the browser. */
export function pageRoutes(
  service:
    & PageDeps
    & Pick<Service, "records" | "sessions" | "strategies" | "hub" | "backtests" | "alerts">,
): Hono {
  const app = new Hono();
  app.get("/", async (c) => c.html(await overviewPage(service)));
  app.get("/paper_trading", async (c) => c.html(await overviewPage(service)));
  app.get("/paper_trading/:id", async (c) => {
    const id = c.req.param("id");
    try {
      return c.html(await sessionPage(service, id));
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      return c.html(notFoundPage(service, `There is no session with id '${id}'.`), 404);
    }
  });
  app.get("/strategies", async (c) => c.html(await strategiesPage(service, c.req.query("id"))));
  app.get(
    "/alerts",
    async (c) =>
      c.html(
        await alertsPage(service, {
          status: c.req.query("status"),
          session: c.req.query("session"),
        }),
      ),
  );
  app.route("/", backtestPages(service));
  app.route("/", loginRoutes(service.config));
  return app;
}
