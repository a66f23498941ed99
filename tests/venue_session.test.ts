/**
 * A session on a second venue: `okx:BTC/USDT` in SYMBOLS reaches OKX through
 * the exchange library (pointed at a local server speaking OKX's protocol by
 * VENUE_URLS), while bare symbols stay on the configured feed; the session
 * takes the venue's filters and default fees, and the venue's trades reach the
 * market cache.
 */
import assert from "node:assert/strict";
import { sql } from "../db/mod.ts";
import type { ExecutionConfig } from "../engine/core/execution/mod.ts";
import { okxVenueEnv, startFakeOkx } from "./support/fake_okx.ts";
import { eventually, startTestServer } from "./support/server.ts";

Deno.test({
  name: "a session on okx:BTC/USDT gets the venue's filters, fees and trades",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const fake = await startFakeOkx();
    const server = await startTestServer({ env: okxVenueEnv(fake) });
    try {
      const response = await fetch(`${server.url}/api/paper_trading/sessions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ strategy: "ema_cross", symbol: "OKX:btc/usdt" }),
      });
      assert.equal(response.status, 201, await response.clone().text());
      const session = await response.json();
      assert.equal(session.symbol, "OKX:BTC/USDT");
      assert.equal(
        session.feed,
        "okx",
        "the session runs on the venue's data, not the simulated feed",
      );
      assert.equal(session.simulated, false);
      const [row] = await server.service.db.query<{ options: { execution: ExecutionConfig } }>(
        sql`select options from sessions where id = ${session.id}`,
      );
      const execution = row.options.execution;
      assert.deepEqual(execution.filters?.["OKX:BTC/USDT"], {
        tickSize: 0.1,
        stepSize: 1e-8,
        minNotional: 0,
        base: "BTC",
        quote: "USDT",
      });
      const fees = await server.service.feed.fees!("okx:BTC/USDT");
      assert.ok(fees);
      assert.equal(execution.maker_fee, fees.maker);
      assert.equal(execution.taker_fee, fees.taker);

      await fake.waitForSubscription("BTC-USDT");
      fake.trades("BTC-USDT", [{ id: 1, px: 101.5, sz: 0.5 }]);
      await eventually(
        () => server.service.hub.cache.ticker("OKX:BTC/USDT")?.price === 101.5 || undefined,
        { what: "the OKX trades in the market cache", timeoutMs: 15_000 },
      );
      const ticker = await fetch(`${server.url}/api/market/${encodeURIComponent("okx:btc/usdt")}`);
      assert.equal(ticker.status, 200, await ticker.clone().text());
      const tickerBody = await ticker.json();
      assert.equal(tickerBody.symbol, "OKX:BTC/USDT");
      assert.equal(tickerBody.price, 101.5);

      await fake.waitForSubscription("BTC-USDT", "books");
      fake.book("BTC-USDT", "snapshot", { seqId: 5, prevSeqId: -1 }, [[101.4, 2]], [[101.6, 3]]);
      const book = await eventually(async () => {
        const response = await fetch(
          `${server.url}/api/market/${encodeURIComponent("OKX:BTC/USDT")}/book`,
        );
        const body = await response.json();
        return body.update_id === 5 ? body : undefined;
      }, { what: "the OKX book on the market route" });
      assert.deepEqual([book.bids, book.asks], [[[101.4, 2]], [[101.6, 3]]]);

      // The session's worker trades the venue symbol with the venue's filters (tick 0.1, step 1e-8).
      let next = 2;
      const order = await eventually(async () => {
        // Trades keep coming (the session may have started after the first one).
        fake.trades("BTC-USDT", [{ id: next++, px: 101.5, sz: 0.5 }]);
        const placed = await fetch(
          `${server.url}/api/paper_trading/sessions/${session.id}/orders`,
          {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ side: "buy", type: "market", quantity: 0.123456789 }),
          },
        );
        const body = await placed.json();
        return placed.status === 201 ? body : undefined;
      }, { what: "a manual market buy on okx:BTC/USDT to be accepted", timeoutMs: 20_000 });
      assert.equal(order.symbol, "OKX:BTC/USDT");
      const fills = await eventually(async () => {
        const response = await fetch(
          `${server.url}/api/paper_trading/sessions/${session.id}/trades`,
        );
        const body = await response.json();
        return body.items?.length > 0 ? body.items : undefined;
      }, { what: "the fill of the manual buy" });
      assert.equal(fills[0].quantity, 0.12345678);
      assert.ok(
        Math.abs(fills[0].price * 10 - Math.round(fills[0].price * 10)) < 1e-9,
        `fill price ${fills[0].price} on the venue's 0.1 tick`,
      );
      assert.ok(Math.abs(fills[0].fee - fills[0].price * fills[0].quantity * fees.taker) < 1e-9);

      const health = server.service.hub.health();
      assert.equal(health.feed.name, "sim", "bare symbols stay on the configured feed");
      assert.equal(health.feed.venues?.okx.connected, true);

      const unknown = await fetch(`${server.url}/api/paper_trading/sessions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ strategy: "ema_cross", symbol: "okx:BTC/" }),
      });
      assert.equal(unknown.status, 400, await unknown.clone().text());
    } finally {
      await server.stop();
      await fake.close();
    }
  },
});
