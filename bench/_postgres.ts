/**
 * Fresh databases on the PostgreSQL server for the benchmarks that measure
 * on it (`BENCH_DATABASE_URL`, else `TEST_DATABASE_URL`, else the local
 * server's `test` database): each run creates its own database and drops it
 * after, so it never meets the tests' data.
 */
import { createServerDatabase, type ServerDatabase } from "../fixtures/server_database.ts";

/** The server the benchmarks create their databases on. */
export const POSTGRES_SERVER_URL = Deno.env.get("BENCH_DATABASE_URL") ??
  Deno.env.get("TEST_DATABASE_URL") ?? "postgres://postgres@127.0.0.1:5432/test";

/** Creates a fresh, empty database on {@link POSTGRES_SERVER_URL}. */
export function freshDatabase(): Promise<ServerDatabase> {
  return createServerDatabase(POSTGRES_SERVER_URL, "paper_bench");
}

/** Why no database can be created on the server, or undefined when one can. */
export async function postgresUnavailable(): Promise<string | undefined> {
  try {
    await (await freshDatabase()).drop();
    return undefined;
  } catch (error) {
    return `no PostgreSQL server to create a database on at ${POSTGRES_SERVER_URL} (${
      (error as Error).message
    })`;
  }
}
