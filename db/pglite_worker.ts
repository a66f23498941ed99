/**
 * The embedded PGlite database, run in a dedicated Web Worker so that WASM
 * Postgres never blocks the main thread (sessions' messages, live fan-out and
 * HTTP stay responsive while a group commit runs).
 *
 * The worker inherits this thread's permissions: it must read and write the
 * data directory and read PGlite's WASM and data files from the npm cache, and
 * inheriting (rather than listing them) needs no `--unstable-worker-options`,
 * so command-line tools started without that flag can open the database too.
 * @module
 */
import type { Db, Queryable, Statement } from "./db.ts";
import { fromWireError, type PgliteReply, type PgliteRequest } from "./_pglite_protocol.ts";

/** A request without its id, as the proxy's callers build it. */
type Request = PgliteRequest extends infer R ? R extends unknown ? Omit<R, "id"> : never : never;

const ENTRY = new URL("./_pglite_worker_entry.ts", import.meta.url);

/** The main thread's end of the PGlite worker: one promise per request id. */
class PgliteWorkerClient {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  #nextId = 1;
  #nextTx = 1;
  /** Set once the worker is gone: every later request fails with it. */
  #failure: Error | undefined;

  constructor() {
    this.#worker = new Worker(ENTRY, { type: "module", name: "pglite" });
    this.#worker.onmessage = (event: MessageEvent<PgliteReply>) => {
      const reply = event.data;
      const pending = this.#pending.get(reply.id);
      if (!pending) return;
      this.#pending.delete(reply.id);
      if (reply.ok) pending.resolve(reply.result);
      else pending.reject(fromWireError(reply.error));
    };
    this.#worker.onerror = (event) => {
      event.preventDefault();
      this.#fail(new Error(`PGlite worker failed: ${event.message || "unknown error"}`));
    };
    this.#worker.onmessageerror = () =>
      this.#fail(new Error("PGlite worker sent an unreadable message"));
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
      this.#fail(new Error("PGlite database is closed"));
    }
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    this.#worker.terminate();
    for (const pending of this.#pending.values()) pending.reject(this.#failure);
    this.#pending.clear();
  }
}

function queryable(client: PgliteWorkerClient, tx?: number): Queryable {
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

/**
 * Opens the embedded PGlite database stored in `dataDir` (created if missing),
 * or an in-memory one when `dataDir` is undefined, in its own worker.
 * `close()` closes the database and terminates the worker.
 */
export async function openPglite(dataDir?: string): Promise<Db> {
  const client = new PgliteWorkerClient();
  try {
    await client.request({ op: "open", dataDir });
  } catch (error) {
    await client.close().catch(() => {});
    throw error;
  }
  return {
    kind: "pglite",
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
