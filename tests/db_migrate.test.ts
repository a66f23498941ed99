import assert from "node:assert/strict";
import { loadMigrations, migrate, sql } from "../db/mod.ts";
import { DATABASES } from "./support/databases.ts";

for (const kind of DATABASES) {
  Deno.test(`${kind.name}: migrations are applied once and recorded`, async () => {
    const { db, dispose } = await kind.open();
    try {
      const ids = (await loadMigrations()).map((m) => m.id);
      assert.ok(ids.length > 0);
      const rows = await db.query<{ id: string }>(
        sql`select id from schema_migrations order by id`,
      );
      assert.deepEqual(rows.map((r) => r.id), ids);
      assert.deepEqual(await migrate(db), [], "a second run applies nothing");
      await Promise.all([migrate(db), migrate(db)]);
      const count = await db.query<{ n: number }>(
        sql`select count(*)::int as n from schema_migrations`,
      );
      assert.equal(count[0].n, ids.length);
    } finally {
      await dispose();
    }
  });

  Deno.test(`${kind.name}: parameters are bound, transactions roll back on error`, async () => {
    const { db, dispose } = await kind.open();
    try {
      const name = "x'); drop table strategies; --";
      await db.query(
        sql`insert into strategies (id, name, version, source) values (${"s1"}, ${name}, ${1}, ${"{}"})`,
      );
      const rows = await db.query<{ name: string }>(
        sql`select name from strategies where id = ${"s1"}`,
      );
      assert.equal(rows[0].name, name);
      await assert.rejects(db.transaction(async (tx) => {
        await tx.query(sql`update strategies set name = ${"changed"} where id = ${"s1"}`);
        throw new Error("abort");
      }));
      const after = await db.query<{ name: string }>(
        sql`select name from strategies where id = ${"s1"}`,
      );
      assert.equal(after[0].name, name);
    } finally {
      await dispose();
    }
  });
}
