/**
 * Embedded PGlite as a {@link Db} in the thread that opens it. The service
 * opens it in the database worker (see `openPglite`), never in the main
 * thread, where WASM Postgres would block everything else while it runs.
 * @module
 */
import { PGlite, type Transaction } from "@electric-sql/pglite";
import type { Db, Queryable, Statement } from "./db.ts";
import { PreparedStatements } from "./_pglite_prepared.ts";

function queryable(target: PGlite | Transaction): Queryable {
  return {
    async query<T>(statement: Statement): Promise<T[]> {
      return (await target.query<T>(statement.text, statement.params as unknown[])).rows;
    },
    async exec(script: string): Promise<void> {
      await target.exec(script);
    },
  };
}

/**
 * Opens the PGlite database stored in `dataDir` (created if missing), or an
 * in-memory one when `dataDir` is undefined, in this thread. Statements marked
 * `prepared` run as named prepared statements outside a transaction; queries
 * outside a transaction wait until the open one has ended.
 */
export async function pgliteEngine(dataDir?: string): Promise<Db> {
  if (dataDir) await Deno.mkdir(dataDir, { recursive: true });
  const pg = await PGlite.create(dataDir);
  const prepared = new PreparedStatements(pg);
  const direct = queryable(pg);
  return {
    kind: "pglite",
    query: <T>(statement: Statement) =>
      statement.prepared
        ? prepared.query(statement.text, statement.params) as Promise<T[]>
        : direct.query<T>(statement),
    exec: direct.exec,
    transaction: (fn) => pg.transaction((tx) => fn(queryable(tx))),
    close: () => pg.close(),
  };
}
