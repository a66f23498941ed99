/**
 * `deno task db:migrate`: brings the database schema up to date and prints
 * the migrations it applied. The database is the service's: the PostgreSQL
 * server at `DATABASE_URL`, else the embedded one under `DATA_DIR/pglite`.
 * Exit code 0 on success, 1 when the database fails, 2 on a bad setting.
 */
import { type Db, migrate, openPglite, openPostgres } from "../db/mod.ts";
import { ConfigError, loadConfig } from "../engine/runtime/config.ts";

/** The database as it may be shown: the server without credentials, or the embedded directory. */
function describe(url: string | undefined, pgliteDir: string): string {
  if (!url) return `embedded PGlite at ${pgliteDir}`;
  const { hostname, port, pathname } = new URL(url);
  return `PostgreSQL at ${hostname}:${port || 5432}${pathname}`;
}

async function main(): Promise<number> {
  let config;
  try {
    config = loadConfig(Deno.env.toObject());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`db:migrate: ${error.message}`);
    return 2;
  }
  const where = describe(config.databaseUrl, config.pgliteDir);
  let db: Db | undefined;
  try {
    db = config.databaseUrl
      ? await openPostgres(config.databaseUrl)
      : await openPglite(config.pgliteDir);
    const applied = await migrate(db);
    console.log(
      applied.length === 0
        ? `${where}: up to date`
        : `${where}: applied ${applied.length} migration(s)\n${applied.join("\n")}`,
    );
    return 0;
  } catch (error) {
    console.error(`db:migrate: ${where}: ${(error as Error).message}`);
    return 1;
  } finally {
    await db?.close();
  }
}

if (import.meta.main) Deno.exit(await main());
