import assert from "node:assert/strict";
import { prepared, sql } from "../db/mod.ts";
import { DATABASES } from "./support/databases.ts";

// PGlite only: PostgreSQL runs every statement unprepared.
for (const kind of DATABASES.filter((k) => k.name === "pglite")) {
  Deno.test(`${kind.name}: prepared statements`, async (t) => {
    const { db, dispose } = await kind.open();
    try {
      await db.exec(`create table prepared_items (
        id text primary key, n bigint, f float8, flag boolean, doc jsonb, tags text[])`);
      const insert = (id: string, n: number) =>
        sql`insert into prepared_items (id, n, f, flag, doc, tags)
          select x.id, x.n, x.n / 4.0, x.n % 2 = 0, x.doc, array[x.id, 'tag']
          from jsonb_to_recordset(${
          JSON.stringify([{ id, n, doc: { id, list: [n, "two"] } }])
        }::text::jsonb)
            as x(id text, n bigint, doc jsonb)
          returning id, n, f, flag, doc, tags`;
      const select = (min: number) =>
        sql`select id, n, f, flag, doc, tags from prepared_items where n >= ${min} order by id`;

      await t.step(
        "return the rows the same statement returns unprepared, run after run",
        async () => {
          // More runs than PostgreSQL's custom plans before it may switch to a generic one.
          for (let i = 0; i < 8; i++) {
            const [plain] = await db.query(insert(`plain${i}`, i));
            const [named] = await db.query(prepared(insert(`named${i}`, i)));
            assert.deepEqual({ ...named, id: "-", doc: { ...(named.doc as object), id: "-" } }, {
              ...plain,
              id: "-",
              doc: { ...(plain.doc as object), id: "-" },
              tags: [`named${i}`, "tag"],
            }, `run ${i}: the prepared insert returns what the plain one does`);
            assert.deepEqual(
              await db.query(prepared(select(i))),
              await db.query(select(i)),
              `run ${i}: the prepared select returns what the plain one does`,
            );
          }
        },
      );

      await t.step(
        "a failing run rejects with the database's error; the next run works",
        async () => {
          await assert.rejects(db.query(prepared(insert("named0", 0))), {
            message: 'duplicate key value violates unique constraint "prepared_items_pkey"',
          });
          const [row] = await db.query<{ id: string }>(prepared(insert("after", 100)));
          assert.equal(row.id, "after", "the statement still runs after a failed run");
          const stored = await db.query<{ id: string }>(select(100));
          assert.deepEqual(stored.map((r) => r.id), ["after"], "the failed run stored nothing");
        },
      );
    } finally {
      await dispose();
    }
  });
}
