import { type Db, sql } from "./db.ts";

const MIGRATIONS_DIR = new URL("./migrations/", import.meta.url);
/** Advisory lock key that serialises migrations across processes. */
const MIGRATION_LOCK = 72_617_001;

/** A migration file: `NNNN_name.sql`. */
export interface Migration {
  readonly id: string;
  readonly script: string;
}

/** Reads the migrations shipped in `db/migrations/`, in order. */
export async function loadMigrations(): Promise<Migration[]> {
  const migrations: Migration[] = [];
  for await (const entry of Deno.readDir(MIGRATIONS_DIR)) {
    if (!/^\d{4}_[a-z0-9_]+\.sql$/.test(entry.name)) continue;
    const script = await Deno.readTextFile(new URL(entry.name, MIGRATIONS_DIR));
    migrations.push({ id: entry.name.replace(/\.sql$/, ""), script });
  }
  return migrations.sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * Applies the migrations not yet recorded in `schema_migrations`, each in its
 * own transaction under an advisory lock, so it is safe to run twice and from
 * two processes at once. Returns the ids it applied.
 */
export async function migrate(db: Db): Promise<string[]> {
  const applied: string[] = [];
  for (const migration of await loadMigrations()) {
    const done = await db.transaction(async (tx) => {
      await tx.query(sql`select pg_advisory_xact_lock(${MIGRATION_LOCK})`);
      await tx.exec(
        "create table if not exists schema_migrations (id text primary key, applied_at timestamptz not null default now())",
      );
      const seen = await tx.query(sql`select 1 from schema_migrations where id = ${migration.id}`);
      if (seen.length > 0) return false;
      await tx.exec(migration.script);
      await tx.query(sql`insert into schema_migrations (id) values (${migration.id})`);
      return true;
    });
    if (done) applied.push(migration.id);
  }
  return applied;
}
