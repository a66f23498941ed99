/**
 * The transaction contract every database engine keeps, checked the same way
 * for each (PGlite and PostgreSQL, through the database worker).
 */
import assert from "node:assert/strict";
import { DatabaseError, type Db, sql } from "../../db/mod.ts";

/**
 * On `db`, which has an empty `items (id text primary key, …)` table: a
 * transaction commits when its function resolves (and returns its value),
 * rolls back when it throws (rethrowing the error), and sees its own rows.
 */
export async function checkCommitAndRollback(db: Db): Promise<void> {
  const result = await db.transaction(async (tx) => {
    await tx.query(sql`insert into items (id) values (${"kept"})`);
    await tx.exec("insert into items (id) values ('kept too')");
    return "value";
  });
  assert.equal(result, "value");
  await assert.rejects(
    db.transaction(async (tx) => {
      await tx.query(sql`insert into items (id) values (${"dropped"})`);
      const [{ n }] = await tx.query<{ n: number }>(sql`select count(*)::int as n from items`);
      assert.equal(n, 3, "the transaction sees its own row");
      throw new RangeError("abort with 42");
    }),
    { name: "RangeError", message: "abort with 42" },
  );
  const ids = await db.query<{ id: string }>(sql`select id from items order by id`);
  assert.deepEqual(ids.map((r) => r.id), ["kept", "kept too"]);
}

/**
 * On `db`, which has an `items` table holding only the row `dup`: a failing
 * statement rolls its transaction back and comes out as a `DatabaseError`
 * with the server's message, SQLSTATE and detail; the database still works.
 */
export async function checkErrorRollsBack(db: Db): Promise<void> {
  const error = await db.transaction(async (tx) => {
    await tx.query(sql`insert into items (id) values (${"new"})`);
    await tx.query(sql`insert into items (id) values (${"dup"})`);
  }).then(() => undefined, (e) => e);
  assert.ok(error instanceof DatabaseError, `expected a DatabaseError, got ${error}`);
  assert.equal(error.message, 'duplicate key value violates unique constraint "items_pkey"');
  assert.equal(error.code, "23505");
  assert.equal(error.fields.detail, "Key (id)=(dup) already exists.");
  const countRows = sql`select count(*)::int as n from items`;
  const [{ n }] = await db.query<{ n: number }>(countRows);
  assert.equal(n, 1, "the row inserted before the error was rolled back");
  await assert.rejects(db.query(sql`select * from missing_table`), {
    name: "DatabaseError",
    code: "42P01",
    message: 'relation "missing_table" does not exist',
  });
  const [{ n: after }] = await db.query<{ n: number }>(countRows);
  assert.equal(after, 1, "the database still works");
}
