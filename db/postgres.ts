/**
 * A PostgreSQL server as a {@link Db}, through the `postgres` driver in the
 * thread that opens it. The service opens it in the database worker (see
 * `openPostgres`), so the driver's protocol and socket work stays off the
 * main thread.
 * @module
 */
import postgres from "postgres";
import type { Db, Queryable, Statement } from "./db.ts";
import { DatabaseUnavailableError, unavailableReason } from "./unavailable.ts";

type Sql = postgres.Sql | postgres.TransactionSql;

/** How long a transaction whose connection failed waits for the driver to notice the close. */
const CLOSE_NOTICE_MS = 10_000;

/** `error` as a {@link DatabaseUnavailableError} when it means the server is out of reach. */
function translated(error: unknown): unknown {
  const reason = unavailableReason(error);
  if (reason === undefined || error instanceof DatabaseUnavailableError) return error;
  return new DatabaseUnavailableError(reason, { cause: error });
}

function wrap(target: Sql): Queryable {
  return {
    async query<T>(statement: Statement): Promise<T[]> {
      try {
        const rows = await target.unsafe(
          statement.text,
          statement.params as postgres.ParameterOrJSON<never>[],
        );
        // A plain array: the driver's result also carries its column parsers (functions).
        return [...rows] as unknown as T[];
      } catch (error) {
        throw translated(error);
      }
    },
    async exec(script: string): Promise<void> {
      try {
        await target.unsafe(script);
      } catch (error) {
        throw translated(error);
      }
    },
  };
}

/**
 * Runs `fn` in a transaction of `pool`. When the connection fails inside it,
 * the driver's own rollback would be written to the closed socket and throw
 * outside every caller; the server rolls back by itself when a connection
 * ends, so the body is left pending and the transaction settles with the
 * connection's failure instead (the driver rejects it when it sees the close).
 */
async function transaction<T>(pool: postgres.Sql, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let abandon!: (error: unknown) => void;
  const abandoned = new Promise<never>((_, reject) => {
    abandon = (error) => timer = setTimeout(() => reject(error), CLOSE_NOTICE_MS);
  });
  try {
    return await Promise.race([
      pool.begin(async (tx) => {
        try {
          return await fn(wrap(tx));
        } catch (error) {
          if (unavailableReason(error) === undefined) throw error;
          abandon(error);
          return await new Promise<never>(() => {});
        }
      }) as Promise<T>,
      abandoned,
    ]);
  } catch (error) {
    throw translated(error);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Connects to the PostgreSQL server at `url` (a `postgres://` connection
 * string) from this thread. Failures to reach it, now or later, are thrown as
 * {@link DatabaseUnavailableError}.
 */
export async function postgresEngine(url: string, options: { max?: number } = {}): Promise<Db> {
  const pool = postgres(url, { max: options.max ?? 8, onnotice: () => {}, connect_timeout: 5 });
  try {
    await pool`select 1`; // fail fast with a clear error when the server is unreachable
  } catch (error) {
    await pool.end({ timeout: 0 }).catch(() => {});
    throw translated(error);
  }
  return {
    kind: "postgres",
    ...wrap(pool),
    transaction: (fn) => transaction(pool, fn),
    close: () => pool.end({ timeout: 5 }),
  };
}
