import { sessionInputSchema } from "../contract/schemas.ts";
import assert from "node:assert/strict";
import { sql } from "../db/mod.ts";
import { eventually, startTestServer } from "./support/server.ts";

const TEN = "BTCUSDT,ETHUSDT,BNBUSDT,SOLUSDT,XRPUSDT,ADAUSDT,DOGEUSDT,LTCUSDT,DOTUSDT,LINKUSDT";

async function hundredSessionsTrade(symbols: string[]): Promise<void> {
  const server = await startTestServer({ env: { SYMBOLS: symbols.join(",") } });
  try {
    const { sessions, db } = server.service;
    for (let i = 0; i < 100; i++) {
      await sessions.create(
        sessionInputSchema.parse({
          strategy: "ema_cross_fast",
          symbol: symbols[i % symbols.length],
        }),
      );
    }
    assert.equal(server.service.supervisor.ids().length, 100);
    await eventually(async () => {
      const rows = await db.query<{ n: number }>(
        sql`select count(distinct session_id)::int as n from fills`,
      );
      return rows[0].n === 100 || undefined;
    }, { what: "a durable fill in every one of 100 sessions", timeoutMs: 120_000 });

    // Every session's book agrees with its own fill ledger (snapshot and fills share transactions).
    const books = await db.query<{ session_id: string; cash: number; ledger: number }>(sql`
      select f.session_id, (snap.state->'account'->>'cash')::float8 as cash,
        10000 + sum(case when f.side = 'sell' then f.price * f.quantity else -f.price * f.quantity end)
          - sum(f.fee) as ledger
      from fills f join session_snapshots snap on snap.session_id = f.session_id
      group by f.session_id, cash`);
    assert.equal(books.length, 100);
    for (const book of books) {
      assert.ok(
        Math.abs(book.cash - book.ledger) < 1e-6,
        `${book.session_id}: ${book.cash} vs ${book.ledger}`,
      );
    }
    const symbolsTraded = await db.query<{ n: number }>(
      sql`select count(distinct symbol)::int as n from fills`,
    );
    assert.equal(symbolsTraded[0].n, symbols.length);
  } finally {
    await server.stop();
  }
}

Deno.test("100 sessions on one symbol all trade with books that reconcile", async () => {
  await hundredSessionsTrade(["BTCUSDT"]);
});

Deno.test("100 sessions across 10 symbols all trade with books that reconcile", async () => {
  await hundredSessionsTrade(TEN.split(","));
});
