/**
 * Worker entry that owns one PGlite instance and serves the requests of
 * `pglite_worker.ts` (see `_pglite_protocol.ts`), so WASM Postgres runs off
 * the main thread.
 *
 * A `begin` request opens `pg.transaction(…)` and keeps it open until the
 * matching `commit` or `rollback`; requests tagged with its id run inside it.
 * Untagged requests go to `pg.query`/`pg.exec`, which PGlite holds back until
 * the open transaction has finished, so they never interleave with it.
 * @module
 */
import { PGlite, type Transaction } from "@electric-sql/pglite";
import { type PgliteReply, type PgliteRequest, toWireError } from "./_pglite_protocol.ts";
import { PreparedStatements } from "./_pglite_prepared.ts";

interface OpenTransaction {
  readonly tx: Transaction;
  /** Ends the transaction's callback: resolves to commit, rejects to roll back. */
  readonly finish: (commit: boolean) => void;
  /** Settles when PGlite has committed or rolled back. */
  readonly done: Promise<unknown>;
}

/** Thrown into an open transaction's callback to make PGlite roll it back. */
const ROLLBACK = Symbol("rollback");

let pg: PGlite | undefined;
/** The open instance's named prepared statements. */
let prepared: PreparedStatements | undefined;
/** Transactions by id, from `begin` until they end; each resolves once `BEGIN` has run. */
const transactions = new Map<number, Promise<OpenTransaction>>();

function database(): PGlite {
  if (!pg) throw new Error("PGlite worker: database is not open");
  return pg;
}

function transaction(id: number): Promise<OpenTransaction> {
  const open = transactions.get(id);
  if (!open) throw new Error(`PGlite worker: no open transaction ${id}`);
  return open;
}

/**
 * Starts transaction `id`. It is registered at once, so requests tagged with
 * it may follow without waiting for the reply: they wait for `BEGIN` here.
 */
function begin(id: number): Promise<OpenTransaction> {
  const opened = new Promise<OpenTransaction>((resolve, reject) => {
    let finish!: (commit: boolean) => void;
    const body = new Promise<void>((commit, rollback) => {
      finish = (ok) => ok ? commit() : rollback(ROLLBACK);
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

/** Commits or rolls back transaction `id`; rejects with the error COMMIT raised, if any. */
async function end(id: number, commit: boolean): Promise<void> {
  const open = await transaction(id);
  open.finish(commit);
  try {
    await open.done;
  } catch (error) {
    if (error !== ROLLBACK) throw error;
  }
}

async function handle(request: PgliteRequest): Promise<unknown> {
  switch (request.op) {
    case "open":
      if (request.dataDir) await Deno.mkdir(request.dataDir, { recursive: true });
      pg = await PGlite.create(request.dataDir);
      prepared = new PreparedStatements(pg);
      return undefined;
    case "query": {
      if (request.prepared && request.tx === undefined) {
        database();
        return await prepared!.query(request.text, request.params);
      }
      const target = request.tx === undefined ? database() : (await transaction(request.tx)).tx;
      const result = await target.query(request.text, request.params as unknown[]);
      return result.rows;
    }
    case "exec": {
      const target = request.tx === undefined ? database() : (await transaction(request.tx)).tx;
      await target.exec(request.script);
      return undefined;
    }
    case "begin":
      await begin(request.tx);
      return undefined;
    case "commit":
    case "rollback":
      return await end(request.tx, request.op === "commit");
    case "close":
      for (const open of transactions.values()) open.then((t) => t.finish(false), () => {});
      await pg?.close();
      pg = undefined;
      prepared = undefined;
      return undefined;
  }
}

self.onmessage = async (event: MessageEvent<PgliteRequest>) => {
  const request = event.data;
  let reply: PgliteReply;
  try {
    reply = { id: request.id, ok: true, result: await handle(request) };
  } catch (error) {
    reply = { id: request.id, ok: false, error: toWireError(error) };
  }
  self.postMessage(reply);
};
