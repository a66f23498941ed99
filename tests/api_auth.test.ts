/**
 * Access with tokens: the browser's login (cookie), the read-only token, the
 * constant-time comparison, and answers that show no internals.
 */
import assert from "node:assert/strict";
import { loadConfig } from "../engine/runtime/config.ts";
import { startService } from "../engine/runtime/service.ts";
import { tokenAccess } from "../routes/api/auth.ts";
import { createApp } from "../routes/app.ts";
import { rawRequest } from "./support/raw_http.ts";
import { startTestServer } from "./support/server.ts";

const TOKEN = "write-0123456789abcdef";
const READ_TOKEN = "read-0123456789abcdef";

Deno.test("tokens are told apart by digest, whatever their length", () => {
  const accessOf = tokenAccess({ apiToken: TOKEN, readToken: READ_TOKEN });
  assert.equal(accessOf(TOKEN), "write");
  assert.equal(accessOf(READ_TOKEN), "read");
  for (const other of [undefined, "", "w", TOKEN.slice(0, -1), `${TOKEN}x`, TOKEN.toUpperCase()]) {
    assert.equal(accessOf(other), undefined, `'${other}' grants nothing`);
  }
  assert.equal(tokenAccess({ apiToken: TOKEN })(READ_TOKEN), undefined);
});

Deno.test({
  name:
    "a browser logs in once; its cookie opens pages, API and WebSocket; a read token only reads",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startTestServer({
      env: { PAPER_API_TOKEN: TOKEN, PAPER_READ_TOKEN: READ_TOKEN },
    });
    const request = (path: string, init: RequestInit = {}) =>
      fetch(`${server.url}${path}`, { redirect: "manual", ...init });
    const login = (token: string, next: string) =>
      request("/login", { method: "POST", body: new URLSearchParams({ token, next }) });
    try {
      const asked = await request("/strategies?id=ema_cross");
      assert.equal(asked.status, 401);
      const page = await asked.text();
      assert.match(page, /data-testid="login-form"/);
      assert.match(page, /name="next" value="\/strategies\?id=ema_cross"/);
      assert.ok(!/SIMULATED DATA|feed-banner/.test(page), "the login page shows nothing else");

      const wrong = await login("guess", "/strategies");
      assert.equal(wrong.status, 401);
      assert.match(await wrong.text(), /Wrong token\./);
      assert.equal(wrong.headers.get("set-cookie"), null);

      const ok = await login(TOKEN, "/strategies?id=ema_cross");
      assert.equal(ok.status, 303);
      assert.equal(ok.headers.get("location"), "/strategies?id=ema_cross");
      const setCookie = ok.headers.get("set-cookie") ?? "";
      assert.match(setCookie, /^paper_token=[^;]+; Path=\/; HttpOnly; SameSite=Strict$/);
      const cookie = setCookie.split(";")[0];
      for (const path of ["/", "/strategies?id=ema_cross", "/backtests", "/api/strategies"]) {
        const response = await request(path, { headers: { cookie } });
        assert.equal(response.status, 200, path);
        await response.body?.cancel();
      }
      const socket = await rawRequest(
        server.url,
        `GET /api/ws HTTP/1.1\r\nhost: ${new URL(server.url).host}\r\nupgrade: websocket\r\n` +
          "connection: Upgrade\r\n" +
          `sec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n` +
          `origin: ${server.url}\r\ncookie: ${cookie}`,
        { what: "a same-origin WebSocket upgrade with the login cookie" },
      );
      assert.equal(socket.status, 101);

      // Browsers drop tabs and newlines from a URL and read a backslash as a slash: any of them,
      // or any other whitespace or control character, in `next` leads to the dashboard instead.
      const away = [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r/evil.example",
        "/\r\n/evil.example",
        "\t//evil.example",
        "/ /evil.example",
        "/\u000b/evil.example",
        "/\u00a0/evil.example",
        "/\u2028/evil.example",
        "/\u0085/evil.example",
        "/x\\..\\/evil.example",
        "/strategies\\",
      ];
      for (const next of away) {
        const answer = await login(TOKEN, next);
        assert.equal(answer.status, 303, JSON.stringify(next));
        assert.equal(
          answer.headers.get("location"),
          "/",
          `never redirected to ${JSON.stringify(next)}`,
        );
        await answer.body?.cancel();
      }
      // Percent-encoded characters stay encoded in a browser's path: still this service.
      for (const next of ["/%09/evil.example", "/%2F%2Fevil.example", "/strategies?id=a%20b"]) {
        const answer = await login(TOKEN, next);
        const location = answer.headers.get("location") ?? "";
        assert.equal(location, next);
        assert.equal(new URL(location, server.url).origin, server.url, `${next} stays here`);
        await answer.body?.cancel();
      }

      const reader = { authorization: `Bearer ${READ_TOKEN}` };
      const read = await request("/api/paper_trading/sessions", { headers: reader });
      assert.equal(read.status, 200);
      await read.body?.cancel();
      const write = await request("/api/strategies/validate", {
        method: "POST",
        headers: reader,
        body: "version: 1",
      });
      assert.equal(write.status, 403);
      assert.match((await write.json()).details[0].message, /changes need PAPER_API_TOKEN/);
      const readLogin = await login(READ_TOKEN, "/");
      assert.equal(readLogin.status, 303);
      await readLogin.body?.cancel();

      const out = await request("/logout", { method: "POST", headers: { cookie } });
      assert.equal(out.status, 303);
      assert.match(out.headers.get("set-cookie") ?? "", /^paper_token=; Max-Age=0; Path=\//);
    } finally {
      await server.stop();
    }
  },
});

Deno.test("health answers 503 without the database's error text", async () => {
  const service = await startService(loadConfig({ FEED: "sim", DEMO_SESSION: "false" }), {
    memoryDb: true,
  });
  try {
    const app = createApp(service);
    const healthy = await app.request("/api/health");
    assert.equal(healthy.status, 200);
    await healthy.body?.cancel();
    await service.db.close();
    const response = await app.request("/api/health");
    assert.equal(response.status, 503);
    const body = await response.json();
    assert.equal(body.db.ok, false);
    assert.equal(body.db.error, "database query failed (see the service log)");
  } finally {
    await service.close();
  }
});
