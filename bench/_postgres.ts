/**
 * Fresh databases on the PostgreSQL server for the benchmarks that measure
 * on it (`BENCH_DATABASE_URL`, else `TEST_DATABASE_URL`, else the local
 * server's `test` database): each run creates its own database and drops it
 * after, so it never meets the tests' data.
 */
import postgres from "postgres";

/** The server the benchmarks create their databases on. */
export const POSTGRES_SERVER_URL = Deno.env.get("BENCH_DATABASE_URL") ??
  Deno.env.get("TEST_DATABASE_URL") ?? "postgres://postgres@127.0.0.1:5432/test";

/** A fresh database on the server, and how to drop it. */
export interface BenchDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

/** Creates a fresh, empty database on {@link POSTGRES_SERVER_URL}. */
export async function freshDatabase(): Promise<BenchDatabase> {
  const admin = postgres(POSTGRES_SERVER_URL, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  const name = `paper_bench_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  try {
    await admin.unsafe(`create database ${name}`);
  } catch (error) {
    await admin.end();
    throw error;
  }
  const url = new URL(POSTGRES_SERVER_URL);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    async drop() {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
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
