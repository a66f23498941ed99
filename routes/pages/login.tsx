import { type Context, Hono } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import { renderToString } from "preact-render-to-string";
import { Layout } from "../../components/Layout.tsx";
import { TOKEN_COOKIE, tokenAccess } from "../api/auth.ts";
import { formBody } from "../api/errors.ts";

/**
 * `next` when it is a path on this service, else `/` (never another site): one
 * `/` first, and no whitespace, control character or backslash anywhere
 * (browsers drop tabs and newlines from a URL and read `\` as `/`, so
 * `/\t/evil.com` would lead to `//evil.com`).
 */
function localPath(next: unknown): string {
  return typeof next === "string" && /^\/(?!\/)[^\s\p{Cc}\\]*$/u.test(next) ? next : "/";
}

/** The page asking for the token; after logging in the browser returns to `next`. */
export function loginPage(
  c: Context,
  options: { next?: string; error?: string; status?: 401 | 200 } = {},
): Response {
  const next = localPath(options.next ?? c.req.path + new URL(c.req.url).search);
  return c.html(
    "<!doctype html>" + renderToString(
      <Layout title="Log in">
        <form method="post" action="/login" class="card login" data-testid="login-form">
          <h1>Log in</h1>
          <p class="muted">
            This service asks for its access token (PAPER_API_TOKEN, or PAPER_READ_TOKEN to look
            without changing anything).
          </p>
          {options.error ? <p class="error">{options.error}</p> : null}
          <label>
            Token <input name="token" type="password" required autocomplete="current-password" />
          </label>
          <input type="hidden" name="next" value={next} />
          <button type="submit" class="primary">Log in</button>
        </form>
      </Layout>,
    ),
    options.status ?? 401,
  );
}

/**
 * `/login` and `/logout`: a browser logs in once with the token, which is kept
 * in an HttpOnly, SameSite=Strict cookie for the browser session, so pages,
 * their API calls and the WebSocket carry it. Without a configured token both
 * lead to the dashboard.
 */
export function loginRoutes(tokens: { apiToken?: string; readToken?: string }): Hono {
  const app = new Hono();
  const apiToken = tokens.apiToken;
  if (apiToken === undefined) {
    app.on(["GET", "POST"], ["/login", "/logout"], (c) => c.redirect("/", 303));
    return app;
  }
  const accessOf = tokenAccess({ apiToken, readToken: tokens.readToken });

  app.get("/login", (c) => loginPage(c, { next: c.req.query("next"), status: 200 }));

  app.post("/login", async (c) => {
    const form = await formBody(c);
    const token = typeof form.token === "string" ? form.token : undefined;
    const next = localPath(form.next);
    if (accessOf(token) === undefined) {
      return loginPage(c, { next, error: "Wrong token." });
    }
    setCookie(c, TOKEN_COOKIE, token!, {
      path: "/",
      httpOnly: true,
      sameSite: "Strict",
      secure: new URL(c.req.url).protocol === "https:",
    });
    return c.redirect(next, 303);
  });

  app.post("/logout", (c) => {
    deleteCookie(c, TOKEN_COOKIE, { path: "/" });
    return c.redirect("/login", 303);
  });
  return app;
}
