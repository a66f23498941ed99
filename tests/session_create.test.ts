import assert from "node:assert/strict";
import { startTestServer } from "./support/server.ts";

const BODY = { strategy: "ema_cross_fast", symbol: "BTCUSDT", initial_capital: 5000 };

async function create(
  url: string,
  body: unknown,
  key?: string,
): Promise<{ status: number; body: { id?: string; error?: string; details?: unknown } }> {
  const response = await fetch(`${url}/api/paper_trading/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key ? { "idempotency-key": key } : {}) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  return { status: response.status, body: await response.json() };
}

async function total(url: string): Promise<number> {
  return (await (await fetch(`${url}/api/paper_trading/sessions`)).json()).total;
}

Deno.test("create with an Idempotency-Key: a retry gets the same session, a different request is refused", async () => {
  const server = await startTestServer();
  try {
    const first = await create(server.url, BODY, "order-7");
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const retry = await create(server.url, BODY, "order-7");
    assert.equal(retry.status, 200);
    assert.equal(retry.body.id, first.body.id, "the retry returns the first session");
    const reordered = await create(
      server.url,
      { initial_capital: 5000, symbol: "BTCUSDT", strategy: "ema_cross_fast" },
      "order-7",
    );
    assert.equal(
      reordered.body.id,
      first.body.id,
      "the same JSON in another key order is the same",
    );
    const other = await create(server.url, { ...BODY, initial_capital: 6000 }, "order-7");
    assert.equal(other.status, 422);
    assert.match(JSON.stringify(other.body.details), /order-7.*different request/);
    assert.equal(await total(server.url), 1, "one session for three requests with one key");

    // Two requests with one key at the same moment still make one session.
    const [a, b] = await Promise.all([
      create(server.url, BODY, "order-8"),
      create(server.url, BODY, "order-8"),
    ]);
    assert.deepEqual([a.status, b.status].sort(), [200, 201]);
    assert.equal(a.body.id, b.body.id);
    assert.equal(await total(server.url), 2);

    for (const bad of ["x".repeat(256), "tab\there", "é"]) {
      const refused = await create(server.url, BODY, bad);
      assert.equal(refused.status, 400, `key ${JSON.stringify(bad)}`);
      assert.match(refused.body.error ?? "", /Idempotency-Key/);
    }
    assert.equal(await total(server.url), 2);
  } finally {
    await server.stop();
  }
});

Deno.test("a node at MAX_SESSIONS refuses new sessions with 503 and says why", async () => {
  const server = await startTestServer({ env: { MAX_SESSIONS: "2" } });
  try {
    const ids = [];
    for (let i = 0; i < 2; i++) {
      const created = await create(server.url, BODY);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      ids.push(created.body.id);
    }
    const refused = await create(server.url, BODY);
    assert.equal(refused.status, 503);
    assert.match(refused.body.error ?? "", /at capacity: 2 sessions running \(MAX_SESSIONS=2\)/);
    assert.equal(await total(server.url), 2, "nothing stored for the refused request");

    const stop = await fetch(`${server.url}/api/paper_trading/sessions/${ids[0]}`, {
      method: "DELETE",
    });
    assert.equal(stop.status, 200, await stop.text());
    assert.equal((await create(server.url, BODY)).status, 201, "room again after a stop");
    const health = await (await fetch(`${server.url}/api/health`)).json();
    assert.equal(health.sessions.max, 2);
    assert.equal(health.sessions.cap.by, "MAX_SESSIONS", JSON.stringify(health.sessions.cap));
    assert.equal(
      health.sessions.cap.cores,
      500 * navigator.hardwareConcurrency,
      "the cores' bound is shown beside the configured cap",
    );
  } finally {
    await server.stop();
  }
});
