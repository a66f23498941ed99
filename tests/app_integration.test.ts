import assert from "node:assert/strict";
import { sql } from "../db/mod.ts";
import { DATABASES } from "./support/databases.ts";
import { eventually, startTestServer } from "./support/server.ts";

for (const kind of DATABASES) {
  Deno.test(`${kind.name}: a session started over REST trades on the simulated feed and its fills reach the database and the API`, async () => {
    const database = await kind.open();
    const server = await startTestServer({ db: database.db });
    try {
      const health = await (await fetch(`${server.url}/api/health`)).json();
      assert.equal(health.db.ok, true);
      assert.equal(health.simulated, true, "the simulated feed is labelled");

      const created = await fetch(`${server.url}/api/paper_trading/sessions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          strategy: "ema_cross_fast",
          symbol: "BTCUSDT",
          initial_capital: 5000,
        }),
      });
      assert.equal(created.status, 201, await created.clone().text());
      const session = await created.json();
      assert.equal(session.symbol, "BTCUSDT");
      assert.equal(session.simulated, true);

      const fills = await eventually(async () => {
        const page =
          await (await fetch(`${server.url}/api/paper_trading/sessions/${session.id}/trades`))
            .json();
        return page.items.length > 0 ? page.items : undefined;
      }, { what: "a fill in the API", timeoutMs: 30_000 });
      const rows = await server.service.db.query<{ id: string; price: number }>(
        sql`select id, price from fills where session_id = ${session.id} order by time, id`,
      );
      assert.ok(rows.length >= 1);
      assert.equal(rows[0].id, fills[0].id);
      assert.equal(Number(rows[0].price), fills[0].price);

      const detail = await (await fetch(`${server.url}/api/paper_trading/sessions/${session.id}`))
        .json();
      assert.ok(["running", "warming_up"].includes(detail.status));
      const list = await (await fetch(`${server.url}/api/paper_trading/sessions`)).json();
      assert.equal(list.total, 1);
      assert.equal(list.sessions[0].id, session.id);
    } finally {
      await server.stop();
      await database.dispose();
    }
  });
}
