import type { Db } from "./db.ts";
import { migrate } from "./migrate.ts";
import { openPglite, openPostgres } from "./database_worker.ts";

/**
 * Opens the configured database and brings its schema up to date: the
 * PostgreSQL server at `url` when given, else embedded PGlite under `dataDir`
 * (in memory when `dataDir` is undefined too).
 */
export async function openDatabase(options: { url?: string; dataDir?: string }): Promise<Db> {
  const db = options.url ? await openPostgres(options.url) : await openPglite(options.dataDir);
  await migrate(db);
  return db;
}
