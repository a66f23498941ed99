/**
 * The one database interface the service talks to, whichever engine backs it:
 * embedded PGlite (the zero-setup default) or a PostgreSQL server.
 */

/** A bound SQL statement: text with `$1…$n` placeholders and its parameters. */
export interface Statement {
  readonly text: string;
  readonly params: readonly unknown[];
  /**
   * Run as a named prepared statement, planned once and then reused (see
   * {@link prepared}): on PGlite, outside a transaction. PostgreSQL plans it
   * per run as before (no gain was measured there).
   */
  readonly prepared?: boolean;
}

/** What can run statements: the database itself or an open transaction. */
export interface Queryable {
  /** Runs one statement with bound parameters and returns its rows. */
  query<T = Record<string, unknown>>(statement: Statement): Promise<T[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
}

/** A database connection pool or embedded instance. */
export interface Db extends Queryable {
  /** `pglite` (embedded) or `postgres` (server). */
  readonly kind: "pglite" | "postgres";
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Tagged template that builds a {@link Statement} with every interpolated value
 * bound as a parameter, never spliced into the text. An interpolated
 * {@link Statement} is a fragment: its text is inserted and its parameters are
 * renumbered.
 *
 * @example
 * ```ts
 * await db.query(sql`select * from sessions where id = ${id}`);
 * ```
 */
export function sql(strings: TemplateStringsArray, ...values: unknown[]): Statement {
  const params: unknown[] = [];
  let text = strings[0];
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (isStatement(value)) {
      const offset = params.length;
      text += value.text.replace(/\$(\d+)/g, (_, n) => `$${Number(n) + offset}`);
      params.push(...value.params);
    } else {
      params.push(value);
      text += `$${params.length}`;
    }
    text += strings[i + 1];
  }
  return { text, params };
}

/**
 * `statement` to be run as a named prepared statement: for a statement run
 * again and again with the same text (a group commit), so that the database
 * plans it once instead of on every run. Its text must not vary with the data.
 */
export function prepared(statement: Statement): Statement {
  return { ...statement, prepared: true };
}

function isStatement(value: unknown): value is Statement {
  return typeof value === "object" && value !== null && "text" in value && "params" in value &&
    Array.isArray((value as Statement).params);
}
