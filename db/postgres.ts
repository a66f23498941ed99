import postgres from "postgres";
import type { Db, Queryable, Statement } from "./db.ts";

type Sql = postgres.Sql | postgres.TransactionSql;

function wrap(target: Sql): Queryable {
  return {
    async query<T>(statement: Statement): Promise<T[]> {
      const rows = await target.unsafe(
        statement.text,
        statement.params as postgres.ParameterOrJSON<never>[],
      );
      return rows as unknown as T[];
    },
    async exec(script: string): Promise<void> {
      await target.unsafe(script);
    },
  };
}

/** Connects to the PostgreSQL server at `url` (a `postgres://` connection string). */
export async function openPostgres(url: string, options: { max?: number } = {}): Promise<Db> {
  const pool = postgres(url, { max: options.max ?? 8, onnotice: () => {}, connect_timeout: 5 });
  await pool`select 1`; // fail fast with a clear error when the server is unreachable
  return {
    kind: "postgres",
    ...wrap(pool),
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) =>
      pool.begin((tx) => fn(wrap(tx))) as Promise<T>,
    close: () => pool.end({ timeout: 5 }),
  };
}
