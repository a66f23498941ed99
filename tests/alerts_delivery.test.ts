import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { call, IDLE_STRATEGY, manualRoundTrip } from "./support/api.ts";
import { DATABASES } from "./support/databases.ts";
import { eventually, startTestServer, type TestServer } from "./support/server.ts";
import { freePort, getJson, startServiceProcess } from "./support/service_process.ts";
import { startWebhookReceiver } from "./support/webhook_receiver.ts";

const SECRET = "test-secret";
/** Short retries, so a receiver that recovers is reached again within the test. */
const FAST = { firstRetryMs: 50, maxRetryMs: 400, pollMs: 100 };

/**
 * A receiver that answers 500 while `failing`, else 200 (and deduplicates by
 * Idempotency-Key as a real receiver would, counting the duplicates it accepted).
 */
function startReceiver() {
  const state = { failing: false };
  const receiver = startWebhookReceiver(() =>
    state.failing ? new Response("down", { status: 500 }) : new Response("ok")
  );
  return Object.assign(receiver, { state });
}

// deno-lint-ignore no-explicit-any
type Json = any;

async function alertList(server: TestServer, status?: string): Promise<Json[]> {
  const r = await call(
    server.url,
    "GET",
    `/api/alerts?limit=500${status ? `&status=${status}` : ""}`,
  );
  assert.equal(r.status, 200, r.text);
  return r.body.items;
}

for (const kind of DATABASES) {
  Deno.test(`${kind.name}: alerts reach a failing receiver after a restart, each key accepted once, signed`, async () => {
    const database = await kind.open();
    const receiver = startReceiver();
    receiver.state.failing = true;
    const env = { WEBHOOK_URLS: `${receiver.url}/hook`, WEBHOOK_SECRET: SECRET };
    const options = { db: database.db, env, alertTimings: FAST };
    let server = await startTestServer(options);
    try {
      const id = await manualRoundTrip(server.url);
      const fills = (await call(server.url, "GET", `/api/paper_trading/sessions/${id}/trades`)).body
        .items as { id: string }[];
      assert.equal(fills.length, 2, "a buy and the closing sell");

      // The receiver refuses: the alerts stay pending, retried, and health says why.
      await eventually(() => receiver.requests.length >= 4 || undefined, {
        what: "the failing receiver asked several times",
      });
      const health = await eventually(async () => {
        const h = (await call(server.url, "GET", "/api/health")).body;
        return h.alerts?.failing >= 1 ? h.alerts : undefined;
      }, { what: "health showing failing alerts" });
      assert.equal(health.last_error.error, "HTTP 500");
      assert.equal(health.last_error.target, `json:${receiver.url}/…`);
      assert.deepEqual(health.targets, [`json:${receiver.url}/…`]);
      const pending = await alertList(server, "pending");
      assert.equal(pending.length, 3, "two fills and a round trip pending");
      assert.ok(pending.every((a) => a.attempts >= 0 && a.target === `json:${receiver.url}/…`));

      await server.stop();
      receiver.state.failing = false;
      server = await startTestServer(options);

      const delivered = await eventually(async () => {
        const all = await alertList(server);
        return all.length === 3 && all.every((a) => a.status === "delivered") ? all : undefined;
      }, { what: "every alert delivered after the restart", timeoutMs: 30_000 });

      const expected = new Set(delivered.map((a) => a.key));
      assert.deepEqual(
        [...expected].map((k) => k.split(":")[0]).sort(),
        ["fill", "fill", "round_trip"],
      );
      assert.deepEqual(new Set(receiver.accepted.keys()), expected, "the receiver got every key");
      for (const [key, count] of receiver.accepted) {
        assert.equal(count, 1, `${key} accepted once (no crash, so no duplicate)`);
      }
      const fillIds = receiver.requests.filter((r) => r.status === 200 && r.key.startsWith("fill:"))
        .map((r) => JSON.parse(r.body).data.fill.id).sort();
      assert.deepEqual(fillIds, fills.map((f) => f.id).sort(), "one alert per fill shown");

      for (const request of receiver.requests) {
        assert.equal(request.path, "/hook");
        const body = JSON.parse(request.body);
        assert.equal(body.id, request.key, "Idempotency-Key is the alert's id");
        assert.equal(body.session_id, id);
        assert.equal(
          request.signature,
          `sha256=${createHmac("sha256", SECRET).update(request.body).digest("hex")}`,
          "signed over the exact body",
        );
      }
      const trip = receiver.requests.find((r) => r.key.startsWith("round_trip:"))!;
      const tripBody = JSON.parse(trip.body);
      assert.equal(tripBody.kind, "round_trip");
      assert.equal(typeof tripBody.data.trade.pnl, "number");
      assert.match(tripBody.text, /^Round trip closed: long /);

      const after = (await call(server.url, "GET", "/api/health")).body.alerts;
      assert.equal(after.pending, 0);
      assert.equal(after.delivered, 3);
    } finally {
      await server.stop();
      await receiver.close();
      await database.dispose();
    }
  });
}

Deno.test("per-session targets: when allowed, the session's own Slack target gets its alerts; refused otherwise", async () => {
  const database = await DATABASES[0].open();
  const receiver = startReceiver();
  let server = await startTestServer({
    db: database.db,
    alertTimings: FAST,
    env: { WEBHOOK_ALLOW_SESSION_TARGETS: "true" },
  });
  try {
    const own = await manualRoundTrip(server.url, { webhooks: [`slack:${receiver.url}/own`] });
    await manualRoundTrip(server.url); // no target of its own: nothing is sent for it
    await eventually(() => receiver.accepted.size === 3 || undefined, {
      what: "the session's three alerts at its own target",
    });
    for (const request of receiver.requests) {
      assert.equal(request.path, "/own");
      const body = JSON.parse(request.body);
      assert.deepEqual(Object.keys(body), ["text"], "Slack shape");
      assert.match(body.text, new RegExp(`\\(session ${own.slice(0, 8)}\\)$`));
      assert.equal(request.signature, null, "unsigned without WEBHOOK_SECRET");
    }
    assert.equal((await alertList(server)).length, 3, "only the session with a target has rows");
    await server.stop();

    server = await startTestServer({ db: database.db, alertTimings: FAST });
    const refused = await call(server.url, "POST", "/api/paper_trading/sessions", {
      strategy: IDLE_STRATEGY,
      symbol: "BTCUSDT",
      webhooks: [`${receiver.url}/own`],
    });
    assert.equal(refused.status, 400, refused.text);
    assert.match(refused.body.details[0].message, /WEBHOOK_ALLOW_SESSION_TARGETS/);
    const invalid = await call(server.url, "POST", "/api/paper_trading/sessions", {
      strategy: IDLE_STRATEGY,
      symbol: "BTCUSDT",
      webhooks: ["gopher://example.com/"],
    });
    assert.equal(invalid.status, 400, invalid.text);
    assert.match(invalid.body.details[0].message, /http or https/);
  } finally {
    await server.stop();
    await receiver.close();
    await database.dispose();
  }
});

for (const kind of DATABASES) {
  Deno.test(`${kind.name}: after SIGKILL mid-delivery every alert still arrives; duplicates only from the crash`, async () => {
    const database = kind.name === "postgres" ? await kind.open() : undefined;
    const dataDir = await Deno.makeTempDir({ prefix: "paper_alerts_" });
    const receiver = startReceiver();
    receiver.state.failing = true;
    const env = {
      PORT: String(freePort()),
      DATA_DIR: dataDir,
      WEBHOOK_URLS: `${receiver.url}/hook`,
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_TIMEOUT_MS: "1000",
      ...(database?.url ? { DATABASE_URL: database.url } : {}),
    };
    let child = startServiceProcess(env);
    const base = child.url;
    try {
      // The fast EMA cross on 1-second candles fills within seconds.
      const session = await eventually(async () => {
        try {
          const created = await fetch(`${base}/api/paper_trading/sessions`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ strategy: "ema_cross_fast", symbol: "BTCUSDT" }),
          });
          const body = await created.json();
          return created.status === 201 ? body as { id: string } : undefined;
        } catch {
          return undefined; // not listening yet
        }
      }, { what: "a session started", timeoutMs: 60_000 });
      const shown = await eventually(async () => {
        const page = await getJson<{ items: { id: string }[] }>(
          `${base}/api/paper_trading/sessions/${session.id}/trades`,
        );
        return page && page.items.length >= 3 ? page.items : undefined;
      }, { what: "three fills shown", timeoutMs: 60_000 });
      await eventually(() => receiver.requests.length >= 3 || undefined, {
        what: "the failing receiver asked",
        timeoutMs: 30_000,
      });
      receiver.state.failing = false;
      await eventually(() => receiver.accepted.size >= 1 || undefined, {
        what: "a first alert accepted",
        timeoutMs: 30_000,
      });
      await child.kill("SIGKILL");
      child = startServiceProcess(env);

      // Freeze the set of alerts: stop the session once it runs again.
      await eventually(async () => {
        const s = await getJson<{ status: string }>(
          `${base}/api/paper_trading/sessions/${session.id}`,
        );
        return s?.status === "running" || undefined;
      }, { what: "the session running again", timeoutMs: 60_000 });
      // 503 while its worker (re)starts: asked again until it is stopped.
      await eventually(async () => {
        const stopped = await fetch(`${base}/api/paper_trading/sessions/${session.id}`, {
          method: "DELETE",
        });
        await stopped.body?.cancel();
        return stopped.status === 200 || undefined;
      }, { what: "the session stopped", timeoutMs: 60_000 });

      const outbox = await eventually(async () => {
        const page = await getJson<{ items: { key: string; status: string }[] }>(
          `${base}/api/alerts?limit=500`,
        );
        return page && page.items.length > 0 && page.items.every((a) => a.status === "delivered")
          ? page.items
          : undefined;
      }, { what: "every stored alert delivered", timeoutMs: 90_000 });

      const expected = new Set(outbox.map((a) => a.key));
      assert.equal(expected.size, outbox.length, "one row per key (one target)");
      assert.deepEqual(new Set(receiver.accepted.keys()), expected, "each key arrived");
      const fillIds = new Set(
        receiver.requests.filter((r) => r.status === 200 && r.key.startsWith("fill:"))
          .map((r) => JSON.parse(r.body).data.fill.id),
      );
      for (const fill of shown) assert.ok(fillIds.has(fill.id), `fill ${fill.id} alerted`);
      const duplicates = [...receiver.accepted].filter(([, n]) => n > 1);
      // Only deliveries in flight at the kill can arrive twice (at most 4 at once).
      assert.ok(duplicates.length <= 4, `duplicates only across the crash: ${duplicates}`);
      for (const request of receiver.requests) {
        assert.equal(
          request.signature,
          `sha256=${createHmac("sha256", SECRET).update(request.body).digest("hex")}`,
        );
      }
    } finally {
      await child.kill("SIGKILL");
      await receiver.close();
      await Deno.remove(dataDir, { recursive: true });
      await database?.dispose();
    }
  });
}
