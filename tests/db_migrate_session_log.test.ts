/**
 * Migration 0009 (session log tables without per-row foreign keys, documents
 * as json) on a database that already holds sessions' history: every stored
 * event, order, closed trade and snapshot reads back the same, and the log
 * goes on from where it was.
 */
import assert from "node:assert/strict";
import { type Db, loadMigrations, migrate, openPglite, openPostgres, sql } from "../db/mod.ts";
import { SessionLog } from "../db/stores/mod.ts";
import { createServerDatabase, DATABASES } from "./support/databases.ts";
import { insertSessionRow, sessionWrites, storedLog } from "./support/session_writes.ts";

const MIGRATION = "0009_lighter_session_commits";

/** Applies and records every migration before {@link MIGRATION}, as a service of that time did. */
async function migrateBefore(db: Db): Promise<void> {
  await db.exec(
    "create table schema_migrations (id text primary key, applied_at timestamptz not null default now())",
  );
  for (const migration of await loadMigrations()) {
    if (migration.id >= MIGRATION) break;
    await db.exec(migration.script);
    await db.query(sql`insert into schema_migrations (id) values (${migration.id})`);
  }
}

/** Everything stored of session `id`, as the service reads it back. */
async function history(db: Db, id: string): Promise<unknown> {
  return {
    events: await db.query(
      sql`select seq, type, time, payload from session_events where session_id = ${id} order by seq`,
    ),
    orders: await db.query(
      sql`select id, status, body from orders where session_id = ${id} order by id`,
    ),
    trades: await db.query(
      sql`select id, body from closed_trades where session_id = ${id} order by id`,
    ),
    snapshot: await db.query(
      sql`select seq, state from session_snapshots where session_id = ${id}`,
    ),
  };
}

/** An empty database of `kind`, not migrated, and how to dispose of it. */
async function openEmpty(kind: string): Promise<{ db: Db; dispose(): Promise<void> }> {
  if (kind === "pglite") {
    const db = await openPglite();
    return { db, dispose: () => db.close() };
  }
  const server = await createServerDatabase();
  const db = await openPostgres(server.url);
  return {
    db,
    async dispose() {
      await db.close();
      await server.drop();
    },
  };
}

for (const kind of DATABASES) {
  Deno.test(`${kind.name}: ${MIGRATION} keeps stored session history and the log goes on`, async () => {
    const { db, dispose } = await openEmpty(kind.name);
    try {
      await migrateBefore(db);
      const writes = sessionWrites("s1");
      assert.ok(writes.length > 4, "the session wrote several batches");
      await insertSessionRow(db, "s1");
      const log = new SessionLog(db);
      const half = Math.floor(writes.length / 2);
      for (const write of writes.slice(0, half)) await log.commit([write]);
      const before = await history(db, "s1");

      assert.deepEqual(await migrate(db), [MIGRATION]);
      assert.deepEqual(await history(db, "s1"), before, "history reads back the same");

      for (const write of writes.slice(half)) await log.commit([write]);
      const stored = await storedLog(db, "s1");
      const last = writes.at(-1)!;
      const lastSeq = last.firstSeq + last.effects.length - 1;
      assert.deepEqual(stored.seqs, Array.from({ length: lastSeq }, (_, i) => i + 1));
      assert.equal(stored.snapshotSeq, lastSeq);
      const snapshot = await db.query<{ state: unknown }>(
        sql`select state from session_snapshots where session_id = 's1'`,
      );
      assert.deepEqual(snapshot[0].state, JSON.parse(last.snapshot!));
    } finally {
      await dispose();
    }
  });
}
