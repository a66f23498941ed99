/**
 * Live portfolio sessions through the whole service: one session over two
 * symbols with one wallet, per-symbol positions and orders in the session
 * JSON, a close of one symbol that leaves the other's book alone, refusals
 * with clear 400s, and a restart that restores the same book.
 */
import assert from "node:assert/strict";
import type { SessionSummary } from "../contract/mod.ts";
import { eventually, startTestServer } from "./support/server.ts";

/** Never enters by itself: every trade in these tests is a manual order. */
const QUIET = `
version: 1
name: quiet-pair
timeframe: 1s
entry:
  long: { lt: [close, 0] }
sizing: { type: fixed_quantity, value: 1 }
`;

const ENV = { SYMBOLS: "BTCUSDT,ETHUSDT,ETHBTC" };

async function call(
  url: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  return { status: response.status, body: text.startsWith("{") ? JSON.parse(text) : { text } };
}

async function summary(url: string, id: string): Promise<SessionSummary> {
  return (await call(url, "GET", `/api/paper_trading/sessions/${id}`)).body as never;
}

/** Creates the portfolio session and waits until both symbols have a price. */
async function createPortfolio(url: string): Promise<string> {
  const created = await call(url, "POST", "/api/paper_trading/sessions", {
    strategy: QUIET,
    symbols: ["btcusdt", "ETHUSDT"],
    initial_capital: 100_000,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id as string;
  await eventually(async () => {
    const s = await summary(url, id);
    return s.per_symbol?.BTCUSDT.last_price && s.per_symbol.ETHUSDT.last_price ? s : undefined;
  }, { what: "a price of both symbols in the portfolio session", timeoutMs: 60_000 });
  return id;
}

Deno.test({
  name:
    "a portfolio session trades two symbols with one wallet; closing one symbol leaves the other's position and orders",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startTestServer({ env: ENV });
    try {
      const id = await createPortfolio(server.url);
      const base = `/api/paper_trading/sessions/${id}`;
      const first = await summary(server.url, id);
      assert.deepEqual(first.symbols, ["BTCUSDT", "ETHUSDT"]);
      assert.equal(first.symbol, "BTCUSDT");

      for (const symbol of ["BTCUSDT", "ETHUSDT"]) {
        const order = await call(server.url, "POST", `${base}/orders`, {
          symbol,
          side: "buy",
          quantity: 1,
        });
        assert.equal(order.status, 201, JSON.stringify(order.body));
        assert.equal(order.body.symbol, symbol);
      }
      // A resting BTC limit far below the market: it must survive the ETH close.
      const resting = await call(server.url, "POST", `${base}/orders`, {
        symbol: "BTCUSDT",
        side: "buy",
        type: "limit",
        quantity: 1,
        price: 10,
      });
      assert.equal(resting.status, 201, JSON.stringify(resting.body));

      const held = await eventually(async () => {
        const s = await summary(server.url, id);
        const ps = s.per_symbol!;
        return ps.BTCUSDT.position.quantity === 1 && ps.ETHUSDT.position.quantity === 1
          ? s
          : undefined;
      }, { what: "one BTC and one ETH held", timeoutMs: 60_000 });
      assert.equal(held.per_symbol!.BTCUSDT.open_orders, 1, "the resting BTC limit");
      // One wallet: both purchases came out of the same cash.
      const fills = (await call(server.url, "GET", `${base}/trades`)).body.items as {
        symbol: string;
        price: number;
        quantity: number;
        fee: number;
      }[];
      assert.deepEqual(fills.map((f) => f.symbol).sort(), ["BTCUSDT", "ETHUSDT"]);
      const spent = fills.reduce((sum, f) => sum + f.price * f.quantity + f.fee, 0);
      assert.ok(
        Math.abs(held.cash - (100_000 - spent)) < 1e-6,
        `cash ${held.cash} = 100,000 − ${spent}`,
      );

      const closed = await call(server.url, "POST", `${base}/close?symbol=ethusdt`);
      assert.equal(closed.status, 200, JSON.stringify(closed.body));
      const after = await eventually(async () => {
        const s = await summary(server.url, id);
        return s.per_symbol!.ETHUSDT.position.quantity === 0 ? s : undefined;
      }, { what: "the ETH position closed", timeoutMs: 60_000 });
      assert.equal(after.per_symbol!.BTCUSDT.position.quantity, 1, "BTC position kept");
      assert.equal(after.per_symbol!.BTCUSDT.open_orders, 1, "BTC resting order kept");

      const csv = (await call(server.url, "GET", `${base}/trades?format=csv`)).body.text as string;
      const [header, ...rows] = csv.trim().split("\n");
      const column = header.split(",").indexOf("symbol");
      assert.ok(column >= 0, "the CSV has a symbol column");
      assert.deepEqual(
        rows.map((r) => r.split(",")[column]).sort(),
        ["BTCUSDT", "ETHUSDT", "ETHUSDT"],
      );

      const metrics = (await call(server.url, "GET", `${base}/metrics`)).body;
      const perSymbol = metrics.per_symbol as Record<string, { fill_count: number }>;
      assert.equal(metrics.fill_count, 3);
      assert.equal(perSymbol.ETHUSDT.fill_count, 2);
      assert.equal(perSymbol.BTCUSDT.fill_count, 1);

      const list = (await call(server.url, "GET", "/api/paper_trading/sessions")).body;
      assert.deepEqual((list.sessions as SessionSummary[])[0].symbols, ["BTCUSDT", "ETHUSDT"]);

      // Refusals name what is wrong.
      const foreign = await call(server.url, "POST", `${base}/orders`, {
        symbol: "ETHBTC",
        side: "buy",
        quantity: 1,
      });
      assert.equal(foreign.status, 400);
      assert.match(JSON.stringify(foreign.body.details), /'ETHBTC' is not traded by this session/);
      const unnamed = await call(server.url, "POST", `${base}/orders`, {
        side: "buy",
        quantity: 1,
      });
      assert.equal(unnamed.status, 400);
      assert.match(JSON.stringify(unnamed.body.details), /name one of BTCUSDT, ETHUSDT/);
      const closeForeign = await call(server.url, "POST", `${base}/close?symbol=ETHBTC`);
      assert.equal(closeForeign.status, 400);

      const stopped = await call(server.url, "DELETE", base);
      assert.equal(stopped.status, 200, JSON.stringify(stopped.body));
      assert.equal(stopped.body.position_left_open, true, "the BTC position is still open");
    } finally {
      await server.stop();
    }
  },
});

Deno.test("portfolio sessions of different quote currencies, or with both symbol and symbols, are a 400", async () => {
  const server = await startTestServer({ env: ENV });
  try {
    const mixed = await call(server.url, "POST", "/api/paper_trading/sessions", {
      strategy: QUIET,
      symbols: ["BTCUSDT", "ETHBTC"],
    });
    assert.equal(mixed.status, 400, JSON.stringify(mixed.body));
    assert.match(
      JSON.stringify(mixed.body.details),
      /one quote currency; got BTCUSDT \(USDT\), ETHBTC \(BTC\)/,
    );
    const both = await call(server.url, "POST", "/api/paper_trading/sessions", {
      strategy: QUIET,
      symbol: "BTCUSDT",
      symbols: ["ETHUSDT"],
    });
    assert.equal(both.status, 400);
    const twice = await call(server.url, "POST", "/api/paper_trading/sessions", {
      strategy: QUIET,
      symbols: ["BTCUSDT", "btcusdt"],
    });
    assert.equal(twice.status, 400);
    assert.match(JSON.stringify(twice.body.details), /listed once/);
    const unknown = await call(server.url, "POST", "/api/paper_trading/sessions", {
      strategy: QUIET,
      symbols: ["BTCUSDT", "XRPUSDT"],
    });
    assert.equal(unknown.status, 400);
    assert.match(JSON.stringify(unknown.body.details), /symbols\.1.*'XRPUSDT' is not traded here/);
    const list = (await call(server.url, "GET", "/api/paper_trading/sessions")).body;
    assert.equal(list.total, 0, "nothing stored for refused requests");
  } finally {
    await server.stop();
  }
});

Deno.test("a pairs strategy on one symbol, or naming a symbol the session lacks, is a 422 by path", async () => {
  const server = await startTestServer({ env: ENV });
  try {
    const pairs = await Deno.readTextFile(
      new URL("../strategies/pairs_spread.yaml", import.meta.url),
    );
    const single = await call(server.url, "POST", "/api/paper_trading/sessions", {
      strategy: pairs,
      symbol: "ETHUSDT",
    });
    assert.equal(single.status, 422, JSON.stringify(single.body));
    assert.deepEqual(
      (single.body.details as { path: string }[]).map((d) => d.path),
      [
        "legs[0].symbol",
        "legs[1].symbol",
        "indicators.spread_z.input.sub[0]",
        "indicators.spread_z.input.sub[1].mul[1]",
      ],
    );
    assert.match(
      JSON.stringify(single.body.details),
      /cross-symbol rules and legs need a portfolio session/,
    );
    const missing = await call(server.url, "POST", "/api/paper_trading/sessions", {
      strategy: pairs.replaceAll("BTCUSDT", "ETHBTC"),
      symbols: ["ETHUSDT", "BTCUSDT"],
      allow_short: true,
    });
    assert.equal(missing.status, 422, JSON.stringify(missing.body));
    assert.match(
      JSON.stringify(missing.body.details),
      /legs\[1\]\.symbol.*unknown symbol 'ETHBTC' \(this session's symbols: ETHUSDT, BTCUSDT\)/,
    );
    const list = (await call(server.url, "GET", "/api/paper_trading/sessions")).body;
    assert.equal(list.total, 0, "nothing stored for refused requests");
  } finally {
    await server.stop();
  }
});

Deno.test({
  name: "a restarted service restores a portfolio session with the same book per symbol",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "paper_portfolio_" });
    let server = await startTestServer({ env: ENV, dataDir });
    try {
      const id = await createPortfolio(server.url);
      const base = `/api/paper_trading/sessions/${id}`;
      for (const [symbol, quantity] of [["BTCUSDT", 0.5], ["ETHUSDT", 2]] as const) {
        const order = await call(server.url, "POST", `${base}/orders`, {
          symbol,
          side: "buy",
          quantity,
        });
        assert.equal(order.status, 201, JSON.stringify(order.body));
      }
      const resting = await call(server.url, "POST", `${base}/orders`, {
        symbol: "ETHUSDT",
        side: "buy",
        type: "limit",
        quantity: 1,
        price: 10,
      });
      assert.equal(resting.status, 201, JSON.stringify(resting.body));
      const before = await eventually(async () => {
        const s = await summary(server.url, id);
        return s.per_symbol!.ETHUSDT.position.quantity === 2 &&
            s.per_symbol!.BTCUSDT.position.quantity === 0.5
          ? s
          : undefined;
      }, { what: "both positions held", timeoutMs: 60_000 });
      await server.stop();

      server = await startTestServer({ env: ENV, dataDir });
      const after = await eventually(async () => {
        const s = await summary(server.url, id);
        return s.status === "running" ? s : undefined;
      }, { what: "the portfolio session running again", timeoutMs: 60_000 });
      assert.deepEqual(after.symbols, ["BTCUSDT", "ETHUSDT"]);
      assert.equal(after.cash, before.cash, "same cash");
      assert.equal(after.fill_count, before.fill_count, "same fills");
      for (const symbol of ["BTCUSDT", "ETHUSDT"]) {
        const [a, b] = [after.per_symbol![symbol], before.per_symbol![symbol]];
        assert.deepEqual(a.position, b.position, `${symbol} position`);
        assert.equal(a.open_orders, b.open_orders, `${symbol} open orders`);
        assert.equal(a.fill_count, b.fill_count, `${symbol} fills`);
      }
      // The restored worker still trades both symbols from the one wallet.
      const order = await call(server.url, "POST", `${base}/orders`, {
        symbol: "BTCUSDT",
        side: "sell",
        quantity: 0.5,
      });
      assert.equal(order.status, 201, JSON.stringify(order.body));
      await eventually(async () => {
        const s = await summary(server.url, id);
        return s.per_symbol!.BTCUSDT.position.quantity === 0 ? s : undefined;
      }, { what: "the BTC position sold after the restart", timeoutMs: 60_000 });
    } finally {
      await server.stop();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
