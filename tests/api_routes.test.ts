import assert from "node:assert/strict";
import { loadConfig } from "../engine/runtime/config.ts";
import { startService } from "../engine/runtime/service.ts";
import { MAX_BODY_BYTES } from "../contract/mod.ts";
import { createApp } from "../routes/app.ts";
import { eventually } from "./support/server.ts";

const service = await startService(loadConfig({ FEED: "sim", DEMO_SESSION: "false" }), {
  memoryDb: true,
});
const app = createApp(service);
const JSON_HEADERS = { "content-type": "application/json" };
// deno-lint-ignore no-explicit-any
type Json = any;

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = JSON_HEADERS,
): Promise<{ status: number; body: Json; text: string; headers: Headers }> {
  const response = await app.request(path, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch { /* not JSON */ }
  return { status: response.status, body: parsed, text, headers: response.headers };
}

const BAD_STRATEGY = `version: 1
name: broken
timeframe: 1m
indicators:
  fast: { type: EMA, period: 9 }
entry:
  long: { crosses_above: [fast, slow2] }
sizing: { type: percent_of_equity, value: 50 }`;

Deno.test("api routes", async (t) => {
  let sessionId = "";

  await t.step("health reports database and a labelled simulated feed", async () => {
    const r = await call("GET", "/api/health");
    assert.equal(r.status, 200);
    assert.equal(r.body.db.ok, true);
    assert.equal(r.body.feed.simulated, true);
  });

  await t.step(
    "an unknown page answers the dashboard's not-found page, an unknown API path JSON",
    async () => {
      const page = await call("GET", "/no-such-page", undefined, {});
      assert.equal(page.status, 404);
      assert.match(page.headers.get("content-type") ?? "", /text\/html/);
      assert.match(page.text, /data-testid="not-found"/);
      assert.match(page.text, /href="\/paper_trading"|href="\/"/, "a way back to the sessions");
      const api = await call("GET", "/api/no-such-route");
      assert.equal(api.status, 404);
      assert.match(
        api.body.error,
        /no route for GET \/api\/no-such-route; the API is listed at \/api\/docs/,
      );
    },
  );

  await t.step("session creation rejects bad input with 4xx and details", async () => {
    let r = await call("POST", "/api/paper_trading/sessions", "{not json");
    assert.equal(r.status, 400);
    assert.equal(r.body.error, "malformed JSON");
    r = await call("POST", "/api/paper_trading/sessions", "");
    assert.equal(r.status, 400);
    r = await call("POST", "/api/paper_trading/sessions", {
      strategy: 5,
      symbol: "BTCUSDT",
      initial_capital: "lots",
    });
    assert.equal(r.status, 400);
    const paths = r.body.details.map((d: { path: string }) => d.path);
    assert.ok(paths.includes("strategy") && paths.includes("initial_capital"), paths.join());
    r = await call("POST", "/api/paper_trading/sessions", {
      strategy: "ema_cross",
      symbol: "BTCUSDT",
      surprise: 1,
    });
    assert.equal(r.status, 400, "unknown fields are refused");
    r = await call("POST", "/api/paper_trading/sessions", { symbol: "BTCUSDT" });
    assert.equal(r.status, 400);
    assert.deepEqual(r.body.details, [{ path: "strategy", message: "required" }]);
    r = await call("POST", "/api/paper_trading/sessions", {
      strategy: "ema_cross",
      symbol: "DOGEBTC",
    });
    assert.equal(r.status, 400);
    assert.match(r.body.details[0].message, /not traded here/);
    r = await call("POST", "/api/paper_trading/sessions", { strategy: "nope", symbol: "BTCUSDT" });
    assert.equal(r.status, 422);
    assert.match(r.body.details[0].message, /no strategy with id 'nope'/);
    r = await call("POST", "/api/paper_trading/sessions", {
      strategy: BAD_STRATEGY,
      symbol: "BTCUSDT",
    });
    assert.equal(r.status, 422);
    assert.ok(
      r.body.details.some((d: { path: string; message: string }) =>
        d.path === "entry.long.crosses_above[1]" && /unknown indicator 'slow2'/.test(d.message)
      ),
      JSON.stringify(r.body.details),
    );
    r = await call("POST", "/api/paper_trading/sessions", "x".repeat(MAX_BODY_BYTES + 10));
    assert.equal(r.status, 413);
  });

  await t.step("a session is created, listed, inspected and controlled", async () => {
    const r = await call("POST", "/api/paper_trading/sessions", {
      strategy: "ema_cross_fast",
      symbol: "btcusdt",
      initial_capital: 2500,
      fees: { maker: 0.0005, taker: 0.0007 },
      slippage: { model: "fixed", bps: 5 },
    });
    assert.equal(r.status, 201, r.text);
    sessionId = r.body.id;
    assert.equal(r.body.symbol, "BTCUSDT");
    assert.equal(r.body.initial_capital, 2500);

    const list = await call("GET", "/api/paper_trading/sessions?status=running&limit=10");
    assert.equal(list.status, 200);
    assert.ok(list.body.sessions.every((s: { status: string }) => s.status === "running"));
    assert.equal((await call("GET", "/api/paper_trading/sessions?status=bogus")).status, 400);
    assert.equal((await call("GET", "/api/paper_trading/sessions?limit=0")).status, 400);
    assert.equal((await call("GET", "/api/paper_trading/sessions?limit=abc")).status, 400);

    const detail = await call("GET", `/api/paper_trading/sessions/${sessionId}`);
    assert.equal(detail.status, 200);
    assert.equal(detail.body.id, sessionId);
    assert.equal((await call("GET", "/api/paper_trading/sessions/unknown-id")).status, 404);
    assert.equal((await call("POST", "/api/paper_trading/sessions/unknown-id/pause")).status, 404);
    const missing = await call("GET", "/api/paper_trading/sessions/unknown-id");
    assert.deepEqual(missing.body, { error: "no session with id 'unknown-id'", details: [] });
    assert.deepEqual((await call("GET", "/api/no-such-route")).body.details, []);

    await eventually(async () => {
      const s = await call("GET", `/api/paper_trading/sessions/${sessionId}`);
      return s.body.status === "running" || undefined;
    });
    const resume = await call("POST", `/api/paper_trading/sessions/${sessionId}/resume`);
    assert.equal(resume.status, 409);
    assert.match(resume.body.error, /cannot resume a session that is running/);
    assert.deepEqual(resume.body.details, [], "409 bodies are {error, details} too");
    const pause = await call("POST", `/api/paper_trading/sessions/${sessionId}/pause`);
    assert.equal(pause.status, 200);
    assert.equal(pause.body.status, "paused");
    assert.equal(
      (await call("POST", `/api/paper_trading/sessions/${sessionId}/pause`)).status,
      409,
    );
    const resumed = await call("POST", `/api/paper_trading/sessions/${sessionId}/resume`);
    assert.equal(resumed.status, 200);
    assert.notEqual(resumed.body.status, "paused");
  });

  await t.step("history endpoints answer with their shapes", async () => {
    await eventually(async () => {
      const r = await call("GET", `/api/paper_trading/sessions/${sessionId}/trades`);
      return r.body.items.length > 0 || undefined;
    }, { what: "a fill", timeoutMs: 30_000 });
    const trades = await call(
      "GET",
      `/api/paper_trading/sessions/${sessionId}/trades?limit=5&offset=0`,
    );
    assert.equal(trades.body.limit, 5);
    assert.ok(trades.body.items[0].price > 0);
    const csv = await call("GET", `/api/paper_trading/sessions/${sessionId}/trades?format=csv`);
    assert.equal(csv.headers.get("content-type"), "text/csv; charset=utf-8");
    assert.match(
      csv.text,
      /^id,time,symbol,side,price,quantity,fee,liquidity,slippage,order_id,tag\n/,
    );
    assert.equal(csv.text.trim().split("\n").length, trades.body.total + 1);
    assert.equal(
      (await call("GET", `/api/paper_trading/sessions/${sessionId}/trades?format=xml`)).status,
      400,
    );
    const orders = await call("GET", `/api/paper_trading/sessions/${sessionId}/orders`);
    assert.ok(orders.body.items.length > 0);
    const signals = await call("GET", `/api/paper_trading/sessions/${sessionId}/signals`);
    assert.ok(signals.body.signals.length > 0);
    assert.ok(typeof signals.body.signals[0].signal.reason === "string");
    const equity = await call("GET", `/api/paper_trading/sessions/${sessionId}/equity`);
    assert.ok(Array.isArray(equity.body.samples));
    // Metrics come from the session's view, sent a few times a second: it follows the stored fill.
    const metrics = await eventually(async () => {
      const r = await call("GET", `/api/paper_trading/sessions/${sessionId}/metrics`);
      return r.body.fees_paid > 0 ? r : undefined;
    }, { what: "the metrics to count the fill's fee", timeoutMs: 10_000 });
    assert.equal(typeof metrics.body.fees_paid, "number");
    const closed = await call("GET", `/api/paper_trading/sessions/${sessionId}/closed_trades`);
    assert.equal(closed.status, 200);
    assert.equal((await call("GET", "/api/paper_trading/sessions/nope/orders")).status, 404);
  });

  await t.step(
    "manual orders: placed through the engine tagged manual, cancelled one by one",
    async () => {
      const orders = `/api/paper_trading/sessions/${sessionId}/orders`;
      const bought = await call("POST", orders, { side: "buy", notional: 100 });
      assert.equal(bought.status, 201, bought.text);
      assert.equal(bought.body.tag, "manual");
      assert.equal(bought.body.status, "filled");
      const last = bought.body.avg_price;
      const limit = await call("POST", orders, {
        side: "buy",
        type: "limit",
        quantity: 0.001,
        price: Math.round(last / 2),
      });
      assert.equal(limit.status, 201, limit.text);
      assert.equal(limit.body.status, "new");
      const cancel = await call("DELETE", `${orders}/${limit.body.id}`);
      assert.equal(cancel.status, 200, cancel.text);
      assert.equal((await call("DELETE", `${orders}/${limit.body.id}`)).status, 404);
      const both = await call("POST", orders, { side: "buy", quantity: 1, notional: 1 });
      assert.equal(both.status, 400);
      assert.match(both.body.details[0].message, /exactly one of quantity and notional/);
      const huge = await call("POST", orders, { side: "buy", quantity: 1e6 });
      assert.equal(huge.status, 422);
      assert.match(huge.body.details[0].message, /\w/);
      assert.equal(
        (await call("POST", "/api/paper_trading/sessions/nope/orders", {
          side: "buy",
          quantity: 1,
        })).status,
        404,
      );
    },
  );

  await t.step("close flattens at market; stop says whether a position was left open", async () => {
    const holder = `version: 1
name: holder
timeframe: 1s
entry:
  long: { gt: [close, 0] }
risk: { stop_loss: { percent: 50 } }
sizing: { type: percent_of_equity, value: 10 }`;
    const start = async () => {
      const r = await call("POST", "/api/paper_trading/sessions", {
        strategy: holder,
        symbol: "BTCUSDT",
      });
      assert.equal(r.status, 201, r.text);
      return r.body.id as string;
    };
    const holding = (id: string) =>
      eventually(async () => {
        const s = await call("GET", `/api/paper_trading/sessions/${id}`);
        return s.body.position.quantity > 0 ? s.body : undefined;
      }, { what: `session ${id} holding a position`, timeoutMs: 30_000 });
    const [a, b] = [await start(), await start()];
    await holding(a);
    // Paused, the always-true entry cannot buy again before the close's answer is read.
    assert.equal((await call("POST", `/api/paper_trading/sessions/${a}/pause`)).status, 200);
    const closed = await call("POST", `/api/paper_trading/sessions/${a}/close`);
    assert.equal(closed.status, 200, closed.text);
    assert.equal(closed.body.position.quantity, 0);
    const fills = await call("GET", `/api/paper_trading/sessions/${a}/trades`);
    assert.ok(fills.body.items.some((f: { tag?: string }) => f.tag === "close"), "a close fill");
    const orders = await call("GET", `/api/paper_trading/sessions/${a}/orders?limit=500`);
    const stops = orders.body.items.filter((o: { tag?: string }) => o.tag?.endsWith("stop_loss"));
    assert.ok(stops.length > 0 && stops.every((o: { status: string }) => o.status !== "new"));
    assert.equal((await call("POST", `/api/paper_trading/sessions/${a}/resume`)).status, 200);
    await holding(a); // the always-true entry buys again
    const flat = await call("DELETE", `/api/paper_trading/sessions/${a}`, { flatten: true });
    assert.equal(flat.status, 200, flat.text);
    assert.equal(flat.body.position.quantity, 0);
    assert.equal(flat.body.position_left_open, false);
    assert.equal((await call("POST", `/api/paper_trading/sessions/${a}/close`)).status, 409);
    assert.equal(
      (await call("DELETE", `/api/paper_trading/sessions/${b}`, { flatten: "yes" })).status,
      400,
    );
    await holding(b);
    const open = await call("DELETE", `/api/paper_trading/sessions/${b}`);
    assert.equal(open.status, 200, open.text);
    assert.ok(open.body.position.quantity > 0);
    assert.equal(open.body.position_left_open, true);
  });

  await t.step("stop-loss and take-profit exits appear in the signal history", async () => {
    const tight = `version: 1
name: tight
timeframe: 1s
entry:
  long: { gt: [close, 0] }
risk: { stop_loss: { percent: 0.01 }, take_profit: { percent: 0.01 } }
sizing: { type: percent_of_equity, value: 10 }`;
    const r = await call("POST", "/api/paper_trading/sessions", {
      strategy: tight,
      symbol: "BTCUSDT",
    });
    assert.equal(r.status, 201, r.text);
    const id = r.body.id as string;
    const exit = await eventually(async () => {
      const signals = await call("GET", `/api/paper_trading/sessions/${id}/signals`);
      return signals.body.signals.find((e: { signal: { kind: string } }) =>
        e.signal.kind === "exit"
      );
    }, { what: "a protective exit in the signal history", timeoutMs: 30_000 });
    assert.match(exit.signal.rule, /^entry\.long\.(stop_loss|take_profit)$/);
    assert.match(exit.signal.reason, /^(stop loss|take profit) at [\d.]+ reached: sold /);
    assert.equal(exit.action, "acted");
    assert.equal((await call("DELETE", `/api/paper_trading/sessions/${id}`)).status, 200);
  });

  await t.step("stopping returns final metrics; a second stop is a conflict", async () => {
    const stop = await call("DELETE", `/api/paper_trading/sessions/${sessionId}`);
    assert.equal(stop.status, 200);
    assert.equal(stop.body.status, "stopped");
    assert.equal(typeof stop.body.metrics.total_return, "number");
    assert.equal((await call("DELETE", `/api/paper_trading/sessions/${sessionId}`)).status, 409);
    const after = await call("GET", `/api/paper_trading/sessions/${sessionId}`);
    assert.equal(after.body.status, "stopped");
    assert.ok(after.body.trade_count >= 0);
  });

  await t.step("strategies: validate, create, version, delete", async () => {
    const good = await call(
      "POST",
      "/api/strategies/validate",
      await Deno.readTextFile(new URL("../strategies/rsi_reversion.yaml", import.meta.url)),
      { "content-type": "application/yaml" },
    );
    assert.equal(good.status, 200);
    assert.equal(good.body.valid, true);
    const bad = await call("POST", "/api/strategies/validate", { source: BAD_STRATEGY });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.valid, false);
    assert.ok(bad.body.errors.length >= 1 && bad.body.errors[0].path);
    assert.equal((await call("POST", "/api/strategies/validate", "")).status, 400);

    // The README's example bodies (raw YAML, {source}, {document}) are each valid as shown.
    const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
    const examples = readme.slice(readme.indexOf("**Strategy bodies**"));
    const bodies = [...examples.slice(0, examples.indexOf("```\n\n")).matchAll(/-d '([^']+)'/g)]
      .map((m) => m[1]);
    assert.equal(bodies.length, 2, "README shows a {source} and a {document} body");
    for (const body of bodies) {
      const r = await call("POST", "/api/strategies/validate", body);
      assert.deepEqual([r.status, r.body], [200, { valid: true, name: "hold" }], body);
    }

    const source = BAD_STRATEGY.replace("slow2", "fast").replace("name: broken", "name: My Test");
    const created = await call("POST", "/api/strategies", { source });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.id, "my-test");
    assert.equal(created.body.version, 1);
    assert.equal((await call("POST", "/api/strategies", { source })).status, 422);
    const updated = await call("PUT", "/api/strategies/my-test", {
      source: source.replace("period: 9", "period: 10"),
    });
    assert.equal(updated.body.version, 2);
    const v1 = await call("GET", "/api/strategies/my-test?version=1");
    assert.match(v1.body.source, /period: 9/);
    assert.equal((await call("GET", "/api/strategies/my-test?version=7")).status, 404);
    const list = await call("GET", "/api/strategies");
    assert.ok(list.body.strategies.some((s: { id: string }) => s.id === "ema_cross"));
    assert.equal((await call("DELETE", "/api/strategies/my-test")).status, 204);
    assert.equal((await call("GET", "/api/strategies/my-test")).status, 404);
    assert.equal((await call("PUT", "/api/strategies/my-test", { source })).status, 404);
  });

  await t.step("market endpoints", async () => {
    const ticker = await eventually(async () => {
      const r = await call("GET", "/api/market/BTCUSDT");
      return r.body.price > 0 ? r.body : undefined;
    });
    assert.equal(ticker.feed.simulated, true);
    assert.equal((await call("GET", "/api/market/NOPE")).status, 404);
    const trades = await call("GET", "/api/market/btcusdt/trades?limit=3");
    assert.ok(trades.body.trades.length <= 3);
    assert.equal((await call("GET", "/api/market/BTCUSDT/candles?tf=7m")).status, 400);
    assert.equal((await call("GET", "/api/market/BTCUSDT/candles?tf=1m&limit=2")).status, 200);
  });

  await t.step("documentation, unknown routes and cross-site requests", async () => {
    const doc = await call("GET", "/api/openapi.json");
    assert.equal(doc.body.openapi, "3.1.0");
    assert.ok(doc.body.paths["/api/paper_trading/sessions"].post);
    assert.equal(doc.body.components.schemas.SessionInput.type, "object");
    assert.ok(doc.body.components.schemas.BacktestInput.properties.data);
    assert.ok(doc.body.paths["/api/backtests"].post);
    assert.match((await call("GET", "/api/docs")).text, /REST API/);
    const missing = await call("GET", "/api/nothing-here");
    assert.equal(missing.status, 404);
    assert.match(missing.body.error, /no route/);
    const cross = await call("POST", "/api/paper_trading/sessions", { strategy: "ema_cross" }, {
      ...JSON_HEADERS,
      origin: "http://elsewhere.example",
    });
    assert.equal(cross.status, 403);
  });
});

Deno.test("with PAPER_API_TOKEN, reads and writes need the bearer token", async () => {
  const secured = await startService(
    loadConfig({ FEED: "sim", DEMO_SESSION: "false", PAPER_API_TOKEN: "s3cret" }),
    { memoryDb: true },
  );
  try {
    const securedApp = createApp(secured);
    const body = JSON.stringify({ source: "x" });
    const denied = await securedApp.request("/api/strategies", {
      method: "POST",
      headers: JSON_HEADERS,
      body,
    });
    assert.equal(denied.status, 401);
    await denied.body?.cancel();
    const read = await securedApp.request("/api/strategies");
    assert.equal(read.status, 401);
    await read.body?.cancel();
    const readWithToken = await securedApp.request("/api/strategies", {
      headers: { authorization: "Bearer s3cret" },
    });
    assert.equal(readWithToken.status, 200);
    await readWithToken.body?.cancel();
    const description = await securedApp.request("/api/openapi.json");
    assert.equal(description.status, 200, "the API description stays public");
    await description.body?.cancel();
    const allowed = await securedApp.request("/api/strategies/validate", {
      method: "POST",
      headers: { ...JSON_HEADERS, authorization: "Bearer s3cret" },
      body,
    });
    assert.equal(allowed.status, 422);
    await allowed.body?.cancel();
  } finally {
    await secured.close();
  }
});

globalThis.addEventListener("unload", () => service.close());
