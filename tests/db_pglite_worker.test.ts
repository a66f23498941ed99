import assert from "node:assert/strict";
import { PGlite } from "@electric-sql/pglite";
import { checkCommitAndRollback, checkErrorRollsBack } from "./support/db_transactions.ts";
import { type Db, openPglite, prepared, sql, type Statement } from "../db/mod.ts";

const TABLE = sql`create table items (
  id text primary key, n bigint, f float8, i int, flag boolean, doc jsonb,
  at timestamptz, raw bytea, amount numeric, tags text[])`;

async function withDb(fn: (db: Db) => Promise<void>, dataDir?: string): Promise<void> {
  const db = await openPglite(dataDir);
  try {
    await db.exec(TABLE.text);
    await fn(db);
  } finally {
    await db.close();
  }
}

const count = sql`select count(*)::int as n from items`;

async function countItems(db: Pick<Db, "query">): Promise<number> {
  return (await db.query<{ n: number }>(count))[0].n;
}

Deno.test("pglite worker: parameters and column types round-trip as in-process PGlite returns them", async () => {
  const statements: Statement[] = [
    sql`insert into items values (${"a"}, ${9_007_199_254_740}, ${1.25}, ${-7}, ${true},
      ${{ x: [1, "two", null], y: { z: 3.5 } }}, ${new Date(1_700_000_000_000)},
      ${new Uint8Array([0, 1, 255])}, ${"12.345"}, ${["p", "q"]})`,
    sql`insert into items (id, doc) values (${"b"}, ${JSON.stringify([{ k: "v" }])}::text::jsonb)`,
    sql`insert into items (id) values (${'it\'s "quoted"'})`,
    sql`select * from items order by id`,
    sql`select count(*) as c, sum(n) as s, max(f) as m, ${"p"}::text as p, ${null}::int as z from items`,
    sql`select x.* from jsonb_to_recordset(${'[{"a":1,"b":"x"}]'}::text::jsonb) as x(a bigint, b text)`,
  ];
  const inProcess = await PGlite.create();
  try {
    await inProcess.exec(TABLE.text);
    const expected: unknown[][] = [];
    for (const s of statements) expected.push((await inProcess.query(s.text, [...s.params])).rows);
    await withDb(async (db) => {
      for (const [i, s] of statements.entries()) {
        assert.deepEqual(await db.query(s), expected[i], `statement ${i}: ${s.text}`);
      }
    });
  } finally {
    await inProcess.close();
  }
});

Deno.test("pglite worker: a transaction commits when fn resolves and rolls back when it throws", async () => {
  await withDb(checkCommitAndRollback);
});

Deno.test("pglite worker: a database error rolls the transaction back and keeps its message and code", async () => {
  await withDb(async (db) => {
    await db.query(sql`insert into items (id) values (${"dup"})`);
    await checkErrorRollsBack(db);
  });
});

Deno.test("pglite worker: queries outside a transaction wait for it and never see its uncommitted rows", async () => {
  await withDb(async (db) => {
    let outside: Promise<number> | undefined;
    let outsideInsert: Promise<unknown> | undefined;
    let settled = false;
    await db.transaction(async (tx) => {
      await tx.query(sql`insert into items (id) values (${"first"})`);
      outside = countItems(db).finally(() => settled = true);
      outsideInsert = db.query(sql`insert into items (id) values (${"outside"})`);
      await tx.query(sql`delete from items where id = ${"first"}`);
      for (const id of ["x", "y"]) await tx.query(sql`insert into items (id) values (${id})`);
      assert.equal(await countItems(tx), 2, "nothing from outside got into the transaction");
      assert.equal(settled, false, "the outside query waits until the transaction ends");
    });
    assert.equal(await outside, 2, "the outside query ran after the commit");
    await outsideInsert;

    let afterRollback: Promise<number> | undefined;
    await assert.rejects(db.transaction(async (tx) => {
      await tx.query(sql`insert into items (id) values (${"rolled back"})`);
      afterRollback = countItems(db);
      await tx.query(sql`select 1`);
      throw new Error("undo");
    }));
    assert.equal(await afterRollback, 3, "the outside query does not see the rolled-back row");
  });
});

Deno.test("pglite worker: a prepared statement waits for an open transaction and never joins it", async () => {
  await withDb(async (db) => {
    let outside: Promise<unknown> | undefined;
    await assert.rejects(db.transaction(async (tx) => {
      await tx.query(sql`insert into items (id) values (${"rolled back"})`);
      outside = db.query(prepared(sql`insert into items (id) values (${"outside"})`));
      await tx.query(sql`select 1`);
      throw new Error("undo");
    }));
    await outside;
    const ids = await db.query<{ id: string }>(prepared(sql`select id from items order by id`));
    assert.deepEqual(ids.map((r) => r.id), ["outside"], "the prepared insert committed on its own");
  });
});

Deno.test("pglite worker: statements sent together in a transaction run in order", async () => {
  await withDb(async (db) => {
    const ids = Array.from({ length: 20 }, (_, i) => `p${i}`);
    const counts = await db.transaction((tx) =>
      Promise.all(ids.map(async (id) => {
        await tx.query(sql`insert into items (id, i) values (${id}, (select count(*) from items))`);
        return id;
      }))
    );
    assert.deepEqual(counts, ids);
    const rows = await db.query<{ id: string; i: number }>(sql`select id, i from items order by i`);
    assert.deepEqual(rows.map((r) => r.id), ids, "each insert saw the ones sent before it");
    await assert.rejects(
      db.transaction((tx) =>
        Promise.all([
          tx.query(sql`insert into items (id) values (${"q"})`),
          tx.query(sql`insert into items (id) values (${"p0"})`),
          tx.query(sql`insert into items (id) values (${"r"})`),
        ])
      ),
      { code: "23505" },
    );
    assert.equal(await countItems(db), ids.length, "nothing of the failed transaction is kept");
  });
});

Deno.test("pglite worker: concurrent transactions run one after the other", async () => {
  await withDb(async (db) => {
    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        db.transaction(async (tx) => {
          const before = await countItems(tx);
          await tx.query(sql`insert into items (id, i) values (${`t${i}`}, ${before})`);
        })),
    );
    const rows = await db.query<{ i: number }>(sql`select i from items order by i`);
    assert.deepEqual(rows.map((r) => r.i), [0, 1, 2, 3, 4]);
  });
});

Deno.test("pglite worker: close() ends the worker; data on disk is there after reopening", async () => {
  const dir = await Deno.makeTempDir({ prefix: "paper_pglite_worker_" });
  try {
    const db = await openPglite(dir);
    await db.exec(TABLE.text);
    await db.query(sql`insert into items (id, n) values (${"durable"}, ${5})`);
    await db.close();
    await assert.rejects(db.query(count), { message: "PGlite database is closed" });
    await db.close(); // a second close is harmless

    const reopened = await openPglite(dir);
    try {
      assert.deepEqual(
        await reopened.query(sql`select id, n from items`),
        [{ id: "durable", n: 5 }],
      );
    } finally {
      await reopened.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
