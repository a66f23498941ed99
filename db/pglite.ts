import { PGlite } from "@electric-sql/pglite";
import type { Db, Queryable, Statement } from "./db.ts";

function wrap(target: Pick<PGlite, "query" | "exec">): Queryable {
  return {
    async query<T>(statement: Statement): Promise<T[]> {
      const result = await target.query<T>(statement.text, statement.params as unknown[]);
      return result.rows;
    },
    async exec(script: string): Promise<void> {
      await target.exec(script);
    },
  };
}

/**
 * Opens the embedded PGlite database stored in `dataDir` (created if missing),
 * or an in-memory one when `dataDir` is undefined.
 */
export async function openPglite(dataDir?: string): Promise<Db> {
  if (dataDir) await Deno.mkdir(dataDir, { recursive: true });
  const pg = await PGlite.create(dataDir);
  return {
    kind: "pglite",
    ...wrap(pg),
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    close: () => pg.close(),
  };
}
