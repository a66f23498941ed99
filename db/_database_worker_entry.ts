/**
 * Worker entry that owns one database, embedded PGlite or a connection pool to
 * a PostgreSQL server, and serves the requests of `database_worker.ts` (see
 * `_database_protocol.ts`), so neither WASM Postgres nor the driver's protocol
 * and socket work runs in the main thread.
 *
 * A `begin` request opens a transaction of the database and keeps it open
 * until the matching `commit` or `rollback`; requests tagged with its id run
 * inside it. Untagged requests run outside it (PGlite holds them back until it
 * has ended; a server runs them on another connection).
 * @module
 */
import type { Db, Queryable } from "./db.ts";
import { type DbReply, type DbRequest, type Engine, toWireError } from "./_database_protocol.ts";
import { pgliteEngine } from "./pglite.ts";
import { postgresEngine } from "./postgres.ts";

interface OpenTransaction {
  readonly tx: Queryable;
  /** Ends the transaction's callback: commits without an error, rolls back throwing it. */
  readonly finish: (error?: unknown) => void;
  /** Settles when the database has committed or rolled back. */
  readonly done: Promise<unknown>;
  /** The first error a statement of the transaction raised. */
  failure?: unknown;
}

/** Thrown into an open transaction's callback to roll it back when none of its statements failed. */
const ROLLBACK = Symbol("rollback");

let db: Db | undefined;
/** Transactions by id, from `begin` until they end; each resolves once `BEGIN` has run. */
const transactions = new Map<number, Promise<OpenTransaction>>();

function database(): Db {
  if (!db) throw new Error("database worker: database is not open");
  return db;
}

function openEngine(engine: Engine): Promise<Db> {
  return engine.kind === "pglite"
    ? pgliteEngine(engine.dataDir)
    : postgresEngine(engine.url, { max: engine.max });
}

function transaction(id: number): Promise<OpenTransaction> {
  const open = transactions.get(id);
  if (!open) throw new Error(`database worker: no open transaction ${id}`);
  return open;
}

/**
 * Starts transaction `id`. It is registered at once, so requests tagged with
 * it may follow without waiting for the reply: they wait for `BEGIN` here.
 */
function begin(id: number): Promise<OpenTransaction> {
  const opened = new Promise<OpenTransaction>((resolve, reject) => {
    let finish!: (error?: unknown) => void;
    const body = new Promise<void>((commit, rollback) => {
      finish = (error) => error === undefined ? commit() : rollback(error);
    });
    const done: Promise<unknown> = database().transaction(async (tx) => {
      resolve({ tx, finish, done });
      await body;
    }).finally(() => transactions.delete(id));
    // `done` rejects when BEGIN fails (before `resolve`) or on rollback (awaited by `end`).
    done.catch(reject);
  });
  transactions.set(id, opened);
  return opened;
}

/** Runs `run` on transaction `id`, noting its first failure. */
async function inTransaction<T>(id: number, run: (tx: Queryable) => Promise<T>): Promise<T> {
  const open = await transaction(id);
  try {
    return await run(open.tx);
  } catch (error) {
    open.failure ??= error;
    throw error;
  }
}

/**
 * Commits transaction `id` (rejecting with the error COMMIT raised, if any) or
 * rolls it back. A rollback ends the transaction's callback with the first
 * error of its statements, so the engine sees why: a PostgreSQL connection
 * that failed is left to the server to roll back, not written to.
 */
async function end(id: number, commit: boolean): Promise<void> {
  const open = await transaction(id);
  open.finish(commit ? undefined : open.failure ?? ROLLBACK);
  try {
    await open.done;
  } catch (error) {
    if (commit) throw error;
  }
}

async function handle(request: DbRequest): Promise<unknown> {
  switch (request.op) {
    case "open":
      db = await openEngine(request.engine);
      return undefined;
    case "query": {
      const statement = { text: request.text, params: request.params };
      if (request.tx === undefined) {
        return await database().query({ ...statement, prepared: request.prepared });
      }
      return await inTransaction(request.tx, (tx) => tx.query(statement));
    }
    case "exec":
      if (request.tx === undefined) return await database().exec(request.script);
      return await inTransaction(request.tx, (tx) => tx.exec(request.script));
    case "begin":
      await begin(request.tx);
      return undefined;
    case "commit":
    case "rollback":
      return await end(request.tx, request.op === "commit");
    case "close":
      for (const open of transactions.values()) open.then((t) => t.finish(ROLLBACK), () => {});
      await db?.close();
      db = undefined;
      return undefined;
  }
}

self.onmessage = async (event: MessageEvent<DbRequest>) => {
  const request = event.data;
  let reply: DbReply;
  try {
    reply = { id: request.id, ok: true, result: await handle(request) };
  } catch (error) {
    reply = { id: request.id, ok: false, error: toWireError(error) };
  }
  self.postMessage(reply);
};
