/**
 * The messages between the database proxy in the main thread
 * (`database_worker.ts`) and the database worker
 * (`_database_worker_entry.ts`): each request carries an id and gets exactly
 * one reply with that id. Errors cross as plain data and are rebuilt on the
 * other side with their message and database fields intact.
 * @module
 */
import { DatabaseUnavailableError } from "./unavailable.ts";

/** Which database the worker opens: embedded PGlite (in memory without `dataDir`) or a server. */
export type Engine =
  | { readonly kind: "pglite"; readonly dataDir?: string }
  | { readonly kind: "postgres"; readonly url: string; readonly max?: number };

/** A request to the database worker. `tx` names the transaction (chosen by
 * the sender) to run in; requests may follow `begin` without waiting for it. */
export type DbRequest =
  | { readonly id: number; readonly op: "open"; readonly engine: Engine }
  | {
    readonly id: number;
    readonly op: "query";
    readonly text: string;
    readonly params: readonly unknown[];
    readonly tx?: number;
    /** Run as a named prepared statement (outside a transaction only; see `Statement.prepared`). */
    readonly prepared?: boolean;
  }
  | { readonly id: number; readonly op: "exec"; readonly script: string; readonly tx?: number }
  | { readonly id: number; readonly op: "begin" | "commit" | "rollback"; readonly tx: number }
  | { readonly id: number; readonly op: "close" };

/** The worker's reply to the request with the same id. */
export type DbReply =
  | { readonly id: number; readonly ok: true; readonly result?: unknown }
  | { readonly id: number; readonly ok: false; readonly error: WireError };

/** An error as plain, structured-cloneable data. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  /** Own fields of a database error: `code`, `detail`, `constraint`, `table`, … */
  readonly fields: Readonly<Record<string, string | number>>;
}

/**
 * An error reported by the database (PGlite's `DatabaseError` or the
 * PostgreSQL driver's `PostgresError`, rebuilt in the main thread): the
 * server's message plus its SQLSTATE `code` and the other fields it sent
 * (`detail`, `constraint`, `table`, …, by the engine's names for them).
 */
export class DatabaseError extends Error {
  /** SQLSTATE, e.g. `23505` for a unique violation. */
  readonly code?: string;
  /** Further fields the database sent, by their protocol names. */
  readonly fields: Readonly<Record<string, string | number>>;

  constructor(message: string, fields: Readonly<Record<string, string | number>> = {}) {
    super(message);
    this.name = "DatabaseError";
    this.fields = fields;
    if (typeof fields.code === "string") this.code = fields.code;
  }
}

/** Fields of a database error worth carrying back (not the bound parameters). */
const SKIPPED_FIELDS = new Set(["name", "message", "stack", "length", "params", "queryOptions"]);

/** Turns any thrown value into a {@link WireError}. */
export function toWireError(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: "Error", message: String(error), fields: {} };
  const fields: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(error)) {
    if (SKIPPED_FIELDS.has(key)) continue;
    if (typeof value === "string" || typeof value === "number") fields[key] = value;
  }
  // Database errors carry a SQLSTATE code; anything else keeps its own class name.
  const name = typeof fields.code === "string" ? "DatabaseError" : error.name;
  return { name, message: error.message, fields };
}

const BUILT_IN: Record<string, new (message: string) => Error> = {
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
};

/** Rebuilds a thrown error from its {@link WireError} form. */
export function fromWireError(wire: WireError): Error {
  if (wire.name === "DatabaseError") return new DatabaseError(wire.message, wire.fields);
  if (wire.name === "DatabaseUnavailableError" && typeof wire.fields.reason === "string") {
    return new DatabaseUnavailableError(wire.fields.reason);
  }
  const error = new (BUILT_IN[wire.name] ?? Error)(wire.message);
  if (!(wire.name in BUILT_IN) && wire.name !== "Error") error.name = wire.name;
  return error;
}
