import type { MiddlewareHandler } from "hono";

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Refuses state-changing requests and WebSocket upgrades that a browser marks
 * as coming from another site (`Sec-Fetch-Site`, or an `Origin` that is not
 * this service), pages and API alike, so a page elsewhere can neither drive a
 * user's sessions nor read the live stream with the user's login cookie.
 * Clients that are not browsers (CLI, scripts) send neither header and are not
 * affected.
 */
export function sameOrigin(): MiddlewareHandler {
  return async (c, next) => {
    const upgrade = c.req.header("upgrade")?.toLowerCase() === "websocket";
    if (!SAFE.has(c.req.method) || upgrade) {
      const site = c.req.header("sec-fetch-site");
      const origin = c.req.header("origin");
      const crossSite = site !== undefined && site !== "same-origin" && site !== "none";
      const foreignOrigin = origin !== undefined && origin !== new URL(c.req.url).origin;
      if (crossSite || foreignOrigin) {
        return c.json({
          error: "cross-site request refused",
          details: [{
            path: "origin",
            message: `a request from ${origin ?? `a ${site} page`} may not ${
              upgrade ? "open the live stream" : `${c.req.method} ${c.req.path}`
            }`,
          }],
        }, 403);
      }
    }
    await next();
  };
}
