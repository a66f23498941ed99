/**
 * The databases every database test runs against: embedded PGlite always, and
 * the PostgreSQL server when `TEST_DATABASE_URL` is set (each test gets a fresh
 * database on that server, dropped afterwards).
 */
import { type Db, openDatabase } from "../../db/mod.ts";
import {
  createServerDatabase as createDatabaseOn,
  type ServerDatabase,
} from "../../fixtures/server_database.ts";

/** A database opened for one test, with the URL the app can reach it at (if a server). */
export interface TestDatabase {
  readonly db: Db;
  /** `postgres://…` of the fresh database, or undefined for PGlite. */
  readonly url?: string;
  /** Closes the database and drops it (server) or deletes its files (PGlite on disk). */
  dispose(): Promise<void>;
}

/** A named way to open a fresh test database. */
export interface DatabaseKind {
  readonly name: "pglite" | "postgres";
  open(options?: { onDisk?: boolean }): Promise<TestDatabase>;
}

const serverUrl = Deno.env.get("TEST_DATABASE_URL");

/** A fresh, empty database on the `TEST_DATABASE_URL` server, and how to drop it. */
export function createServerDatabase(): Promise<ServerDatabase> {
  return createDatabaseOn(serverUrl!, "paper_test");
}

async function openFreshServerDatabase(): Promise<TestDatabase> {
  const server = await createServerDatabase();
  const db = await openDatabase({ url: server.url });
  return {
    db,
    url: server.url,
    async dispose() {
      await db.close();
      await server.drop();
    },
  };
}

async function openFreshPglite(options: { onDisk?: boolean } = {}): Promise<TestDatabase> {
  const dir = options.onDisk ? await Deno.makeTempDir({ prefix: "paper_pglite_" }) : undefined;
  const db = await openDatabase({ dataDir: dir });
  return {
    db,
    async dispose() {
      await db.close();
      if (dir) await Deno.remove(dir, { recursive: true });
    },
  };
}

/** PGlite, plus the PostgreSQL server when `TEST_DATABASE_URL` is set. */
export const DATABASES: readonly DatabaseKind[] = [
  { name: "pglite", open: openFreshPglite },
  ...(serverUrl ? [{ name: "postgres" as const, open: openFreshServerDatabase }] : []),
];
