// The PostgreSQL server through the database worker: what callers get back
// (rows, errors, transactions) is what the driver gives in the calling thread.
import assert from "node:assert/strict";
import { DatabaseUnavailableError, type Db, openPostgres, sql, type Statement } from "../db/mod.ts";
import { checkCommitAndRollback, checkErrorRollsBack } from "./support/db_transactions.ts";
import { postgresEngine } from "../db/postgres.ts";
import { createServerDatabase } from "./support/databases.ts";
import { freePort } from "./support/service_process.ts";

const ignore = !Deno.env.get("TEST_DATABASE_URL");

const TABLE = sql`create table items (
  id text primary key, n bigint, f float8, i int, flag boolean, doc jsonb,
  at timestamptz, amount numeric, tags text[])`;

/** Runs `fn` on a fresh server database with the items table, opened through the worker. */
async function withDb(fn: (db: Db, url: string) => Promise<void>): Promise<void> {
  const server = await createServerDatabase();
  const db = await openPostgres(server.url);
  try {
    await db.exec(TABLE.text);
    await fn(db, server.url);
  } finally {
    await db.close();
    await server.drop();
  }
}

Deno.test({
  name: "postgres worker: parameters and column types round-trip as the driver returns them here",
  ignore,
  fn: () =>
    withDb(async (db, url) => {
      const statements: Statement[] = [
        sql`insert into items values (${"a"}, ${9_007_199_254_740}, ${1.25}, ${-7}, ${true},
          ${JSON.stringify({ x: [1, "two", null], y: { z: 3.5 } })}::text::jsonb,
          ${new Date(1_700_000_000_000)}, ${"12.345"}, ${["p", "q"]})`,
        sql`insert into items (id) values (${'it\'s "quoted"'})`,
        sql`select * from items order by id`,
        sql`select count(*) as c, sum(n) as s, max(f) as m, ${"p"}::text as p, ${null}::int as z from items`,
        sql`select x.* from json_to_recordset(${'[{"a":1,"b":"x"}]'}::text::json) as x(a bigint, b text)`,
      ];
      const got: unknown[][] = [];
      for (const s of statements) got.push(await db.query(s));
      await db.exec("delete from items");
      const here = await postgresEngine(url, { max: 1 });
      try {
        for (const [i, s] of statements.entries()) {
          assert.deepEqual(got[i], await here.query(s), `statement ${i}: ${s.text}`);
        }
      } finally {
        await here.close();
      }
    }),
});

Deno.test({
  name: "postgres worker: a transaction commits when fn resolves and rolls back when it throws",
  ignore,
  fn: () => withDb(checkCommitAndRollback),
});

Deno.test({
  name: "postgres worker: a database error keeps its message, SQLSTATE and detail",
  ignore,
  fn: () =>
    withDb(async (db) => {
      await db.query(sql`insert into items (id) values (${"dup"})`);
      await checkErrorRollsBack(db);
    }),
});

Deno.test({
  name: "postgres worker: close() ends the worker; later requests fail saying so",
  ignore,
  fn: async () => {
    const server = await createServerDatabase();
    try {
      const db = await openPostgres(server.url);
      assert.deepEqual(await db.query(sql`select ${"up"}::text as state`), [{ state: "up" }]);
      await db.close();
      await assert.rejects(db.query(sql`select 1`), { message: "PostgreSQL database is closed" });
      await db.close(); // a second close is harmless
    } finally {
      await server.drop();
    }
  },
});

Deno.test("postgres worker: a server out of reach is reported as unavailable, with the reason", async () => {
  const error = await openPostgres(`postgres://postgres@127.0.0.1:${freePort()}/paper`)
    .then(() => undefined, (e) => e);
  assert.ok(
    error instanceof DatabaseUnavailableError,
    `expected a DatabaseUnavailableError, got ${error}`,
  );
  assert.equal(error.reason, "connection refused");
  assert.equal(error.message, "database unavailable: connection refused");
});
