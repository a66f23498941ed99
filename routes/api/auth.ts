/**
 * Token access: with `PAPER_API_TOKEN` set, every request needs a token, API
 * reads (SSE and the WebSocket included) and dashboard pages alike. Only the
 * login page, static files and the API description (`/api/openapi.json`,
 * `/api/docs`) stay public. `PAPER_READ_TOKEN`, when set, may read everything
 * and change nothing. Tokens are compared as SHA-256 digests in constant time.
 */
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { createHash, timingSafeEqual } from "node:crypto";

/** What a token allows. */
export type Access = "write" | "read";

/** The cookie that carries the token of a browser that logged in on `/login`. */
export const TOKEN_COOKIE = "paper_token";

const PUBLIC = /^\/(login|logout|static\/.*|api\/openapi\.json|api\/docs)$/;
const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** Tells which access a presented token grants, comparing in constant time. */
export function tokenAccess(
  tokens: { apiToken: string; readToken?: string },
): (given: string | undefined) => Access | undefined {
  const write = digest(tokens.apiToken);
  const read = tokens.readToken === undefined ? undefined : digest(tokens.readToken);
  return (given) => {
    if (given === undefined) return undefined;
    const presented = digest(given);
    if (timingSafeEqual(presented, write)) return "write";
    if (read && timingSafeEqual(presented, read)) return "read";
    return undefined;
  };
}

/** The token a request presents: bearer header, login cookie, or `?token=` on the WebSocket. */
function presented(c: Context): string | undefined {
  const header = c.req.header("authorization");
  if (header !== undefined) return /^Bearer (.+)$/i.exec(header)?.[1];
  const cookie = getCookie(c, TOKEN_COOKIE);
  if (cookie !== undefined) return cookie;
  return c.req.path === "/api/ws" ? c.req.query("token") : undefined;
}

/**
 * Refuses requests without a valid token: 401 (API: JSON; pages: `loginPage`,
 * which asks for the token), and 403 when a read token tries to change
 * something.
 */
export function requireToken(
  tokens: { apiToken: string; readToken?: string },
  options: { loginPage: (c: Context) => Response | Promise<Response> },
): MiddlewareHandler {
  const accessOf = tokenAccess(tokens);
  return async (c, next) => {
    if (PUBLIC.test(c.req.path)) return await next();
    const access = accessOf(presented(c));
    const api = c.req.path.startsWith("/api/");
    if (access === undefined) {
      if (!api && SAFE.has(c.req.method)) return await options.loginPage(c);
      return c.json(
        {
          error: "missing or wrong token",
          details: [{
            path: "authorization",
            message: "send Authorization: Bearer TOKEN (browsers: log in at /login)",
          }],
        },
        401,
        { "www-authenticate": 'Bearer realm="paper trading"' },
      );
    }
    if (access === "read" && !SAFE.has(c.req.method)) {
      return c.json({
        error: "read-only token",
        details: [{ path: "authorization", message: "changes need PAPER_API_TOKEN" }],
      }, 403);
    }
    await next();
  };
}
