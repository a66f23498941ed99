/**
 * Migrations 0009 (session log tables without per-row foreign keys, documents
 * as json) and 0010 (event payloads as text) on a database that already holds
 * sessions' history: every stored event, order, closed trade and snapshot
 * reads back the same, and the log goes on from where it was.
 */
import assert from "node:assert/strict";
import { type Db, loadMigrations, migrate, openPglite, openPostgres, sql } from "../db/mod.ts";
import { SessionLog, SessionRecordTable } from "../db/stores/mod.ts";
import type { SessionWrite } from "../engine/runtime/persister.ts";
import { createServerDatabase, DATABASES } from "./support/databases.ts";
import { insertSessionRow, sessionWrites, storedLog } from "./support/session_writes.ts";

const MIGRATIONS = ["0009_lighter_session_commits", "0010_session_event_payloads_as_text"];

/** Applies and records every migration before {@link MIGRATIONS}, as a service of that time did. */
async function migrateBefore(db: Db): Promise<void> {
  await db.exec(
    "create table schema_migrations (id text primary key, applied_at timestamptz not null default now())",
  );
  for (const migration of await loadMigrations()) {
    if (migration.id >= MIGRATIONS[0]) break;
    await db.exec(migration.script);
    await db.query(sql`insert into schema_migrations (id) values (${migration.id})`);
  }
}

/**
 * Stores `writes` as the service did before {@link MIGRATIONS}: events,
 * orders, closed trades and the latest snapshot, documents as jsonb.
 */
async function writeAsBefore(db: Db, writes: readonly SessionWrite[]): Promise<void> {
  for (const { sessionId, firstSeq, effects, snapshot } of writes) {
    const events = effects.map((e, i) => ({ seq: firstSeq + i, type: e.type, time: e.time, e }));
    const orders = effects.flatMap((e) => e.type === "order" ? [e.order] : []);
    const trades = effects.flatMap((e) => e.type === "trade_closed" ? [e.trade] : []);
    await db.query(sql`insert into session_events (session_id, seq, type, time, payload)
      select ${sessionId}, seq, type, time, e
      from jsonb_to_recordset(${
      JSON.stringify(events)
    }::text::jsonb) as x(seq bigint, type text, time bigint, e jsonb)`);
    for (const order of orders) {
      await db.query(sql`insert into orders (session_id, id, status, body, updated_at)
        values (${sessionId}, ${order.id}, ${order.status}, ${
        JSON.stringify(order)
      }::text::jsonb, ${order.updated_at})
        on conflict (session_id, id) do update set status = excluded.status, body = excluded.body`);
    }
    for (const trade of trades) {
      await db.query(sql`insert into closed_trades (session_id, id, body, exit_time)
        values (${sessionId}, ${trade.id}, ${
        JSON.stringify(trade)
      }::text::jsonb, ${trade.exit_time})`);
    }
    await db.query(sql`insert into session_snapshots (session_id, seq, state)
      values (${sessionId}, ${firstSeq + effects.length - 1}, ${snapshot!}::text::jsonb)
      on conflict (session_id) do update set seq = excluded.seq, state = excluded.state`);
  }
}

/** Everything stored of session `id`, as the service reads it back (event payloads parsed, whatever their column type). */
async function history(db: Db, id: string): Promise<unknown> {
  return {
    events: await db.query(
      sql`select seq, type, time, payload::json as payload from session_events
        where session_id = ${id} order by seq`,
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
  Deno.test(`${kind.name}: ${MIGRATIONS.join(", ")} keep stored session history and the log goes on`, async () => {
    const { db, dispose } = await openEmpty(kind.name);
    try {
      await migrateBefore(db);
      const writes = sessionWrites("s1");
      assert.ok(writes.length > 4, "the session wrote several batches");
      await insertSessionRow(db, "s1");
      const half = Math.floor(writes.length / 2);
      await writeAsBefore(db, writes.slice(0, half));
      const before = await history(db, "s1");

      assert.deepEqual(await migrate(db), MIGRATIONS);
      assert.deepEqual(await history(db, "s1"), before, "history reads back the same");
      const signals = writes.slice(0, half).flatMap((w) => w.effects)
        .filter((e) => e.type === "signal").reverse();
      assert.ok(signals.length > 0, "the session signalled before the migrations");
      assert.deepEqual(
        await new SessionRecordTable(db).signals("s1", 1000),
        signals,
        "the service reads the signals stored before",
      );

      const log = new SessionLog(db);
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
