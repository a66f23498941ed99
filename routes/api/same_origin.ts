import type { MiddlewareHandler } from "hono";

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Refuses state-changing requests that a browser marks as coming from another
 * site (`Sec-Fetch-Site`, or an `Origin` that is not this service), so a page
 * elsewhere cannot drive a user's sessions. Clients that are not browsers (CLI,
 * scripts) send neither header and are not affected.
 */
export function sameOrigin(): MiddlewareHandler {
  return async (c, next) => {
    if (!SAFE.has(c.req.method)) {
      const site = c.req.header("sec-fetch-site");
      const origin = c.req.header("origin");
      const crossSite = site !== undefined && site !== "same-origin" && site !== "none";
      const foreignOrigin = origin !== undefined && origin !== new URL(c.req.url).origin;
      if (crossSite || foreignOrigin) {
        return c.json({ error: "cross-site request refused", details: { origin, site } }, 403);
      }
    }
    await next();
  };
}
