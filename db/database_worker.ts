/**
 * The database, embedded PGlite or a PostgreSQL server, run in a dedicated
 * Web Worker: neither WASM Postgres nor the driver's protocol encoding,
 * decoding and socket work ever blocks the main thread (sessions' messages,
 * live fan-out and HTTP stay responsive while a group commit runs). The main
 * thread only posts each statement and gets its rows back.
 *
 * The worker inherits this thread's permissions: it must read and write the
 * data directory, read PGlite's WASM and data files from the npm cache and
 * reach the server, and inheriting (rather than listing them) needs no
 * `--unstable-worker-options`, so command-line tools started without that flag
 * can open the database too.
 * @module
 */
import type { Db, Queryable, Statement } from "./db.ts";
import { type DbReply, type DbRequest, type Engine, fromWireError } from "./_database_protocol.ts";

/** A request without its id, as the proxy's callers build it. */
type Request = DbRequest extends infer R ? R extends unknown ? Omit<R, "id"> : never : never;

const ENTRY = new URL("./_database_worker_entry.ts", import.meta.url);

/** What each engine is called in errors. */
const LABEL: Record<Engine["kind"], string> = { pglite: "PGlite", postgres: "PostgreSQL" };

/** The main thread's end of the database worker: one promise per request id. */
class DatabaseWorkerClient {
  readonly #label: string;
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  #nextId = 1;
  #nextTx = 1;
  /** Set once the worker is gone: every later request fails with it. */
  #failure: Error | undefined;

  constructor(kind: Engine["kind"]) {
    this.#label = LABEL[kind];
    this.#worker = new Worker(ENTRY, { type: "module", name: `database (${kind})` });
    this.#worker.onmessage = (event: MessageEvent<DbReply>) => {
      const reply = event.data;
      const pending = this.#pending.get(reply.id);
      if (!pending) return;
      this.#pending.delete(reply.id);
      if (reply.ok) pending.resolve(reply.result);
      else pending.reject(fromWireError(reply.error));
    };
    this.#worker.onerror = (event) => {
      event.preventDefault();
      this.#fail(
        new Error(`${this.#label} worker failed: ${event.message || "unknown error"}`),
      );
    };
    this.#worker.onmessageerror = () =>
      this.#fail(new Error(`${this.#label} worker sent an unreadable message`));
  }

  /** Sends `request` and resolves with the worker's result (rejects with its error). */
  request<T>(request: Request): Promise<T> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#worker.postMessage({ ...request, id });
    });
  }

  /** A fresh transaction id. */
  transactionId(): number {
    return this.#nextTx++;
  }

  /** Closes the database in the worker (if it still runs), then terminates it. */
  async close(): Promise<void> {
    if (this.#failure) return;
    try {
      await this.request({ op: "close" });
    } finally {
      this.#fail(new Error(`${this.#label} database is closed`));
    }
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    this.#worker.terminate();
    for (const pending of this.#pending.values()) pending.reject(this.#failure);
    this.#pending.clear();
  }
}

function queryable(client: DatabaseWorkerClient, tx?: number): Queryable {
  return {
    query: <T>(statement: Statement) =>
      client.request<T[]>({
        op: "query",
        text: statement.text,
        params: statement.params,
        tx,
        prepared: statement.prepared,
      }),
    exec: (script: string) => client.request<void>({ op: "exec", script, tx }),
  };
}

/** Opens `engine` in a database worker; `close()` closes it and terminates the worker. */
async function openInWorker(engine: Engine): Promise<Db> {
  const client = new DatabaseWorkerClient(engine.kind);
  try {
    await client.request({ op: "open", engine });
  } catch (error) {
    await client.close().catch(() => {});
    throw error;
  }
  return {
    kind: engine.kind,
    ...queryable(client),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      // No wait for BEGIN: the worker holds `fn`'s requests until it has run,
      // and a failed BEGIN fails them and the commit.
      const tx = client.transactionId();
      client.request({ op: "begin", tx }).catch(() => {});
      let result: T;
      try {
        result = await fn(queryable(client, tx));
      } catch (error) {
        // The caller's error is the one that matters; a failed rollback surfaces on the next request.
        await client.request({ op: "rollback", tx }).catch(() => {});
        throw error;
      }
      await client.request({ op: "commit", tx });
      return result;
    },
    close: () => client.close(),
  };
}

/**
 * Opens the embedded PGlite database stored in `dataDir` (created if missing),
 * or an in-memory one when `dataDir` is undefined, in its own worker.
 */
export function openPglite(dataDir?: string): Promise<Db> {
  return openInWorker({ kind: "pglite", dataDir });
}

/**
 * Connects to the PostgreSQL server at `url` (a `postgres://` connection
 * string) from its own worker, with up to `max` connections (default 8).
 * Failures to reach it, now or later, are thrown as
 * `DatabaseUnavailableError`.
 */
export function openPostgres(url: string, options: { max?: number } = {}): Promise<Db> {
  return openInWorker({ kind: "postgres", url, max: options.max });
}
