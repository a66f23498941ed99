/**
 * Named prepared statements on a PGlite instance: the statement is parsed and
 * described once, and PostgreSQL's plan cache keeps its plan, so a statement
 * run again and again (the persister's group commit) is not planned anew every
 * time. `PGlite.query` always uses the unnamed statement, which is planned on
 * every run; this speaks the extended query protocol with a named one instead,
 * serialising the parameters and parsing the rows exactly as `query` does.
 * @module
 */
import { parse, type PGlite, protocol } from "@electric-sql/pglite";

/** A statement prepared on the instance: its name and its parameters' type oids. */
interface Prepared {
  readonly name: string;
  readonly types: readonly number[];
}

/** Runs statements as named prepared statements of one PGlite instance. */
export class PreparedStatements {
  readonly #pg: PGlite;
  readonly #prepared = new Map<string, Prepared>();
  /** Names are never reused: a statement whose describe failed may still exist. */
  #named = 0;

  constructor(pg: PGlite) {
    this.#pg = pg;
  }

  /**
   * Runs `text` with `params` and returns its rows, as `pg.query` would. Like
   * `pg.query` it waits for an open transaction to end and runs as one
   * implicit transaction of its own; a failure rolls it back.
   */
  query(text: string, params: readonly unknown[]): Promise<unknown[]> {
    const pg = this.#pg;
    return pg._runExclusiveTransaction(() =>
      pg._runExclusiveQuery(async () => {
        const messages = [];
        try {
          const statement = this.#prepared.get(text) ?? await this.#prepare(text);
          const values = params.map((value, i) => {
            if (value === null || value === undefined) return null;
            const serialise = pg.serializers[statement.types[i]];
            return serialise ? serialise(value) : String(value);
          });
          messages.push(
            ...await this.#send(protocol.serialize.bind({ statement: statement.name, values })),
          );
          messages.push(...await this.#send(protocol.serialize.describe({ type: "P" })));
          messages.push(...await this.#send(protocol.serialize.execute({})));
        } finally {
          messages.push(...await this.#send(protocol.serialize.sync()));
        }
        await pg.syncToFs();
        return parse.parseResults(messages, pg.parsers)[0]?.rows ?? [];
      })
    );
  }

  /** Parses and describes `text` as a new named statement (kept only once both succeeded). */
  async #prepare(text: string): Promise<Prepared> {
    const name = `prepared_${++this.#named}`;
    await this.#send(protocol.serialize.parse({ name, text }));
    const described = await this.#send(protocol.serialize.describe({ type: "S", name }));
    const prepared = { name, types: parse.parseDescribeStatementResults(described) };
    this.#prepared.set(text, prepared);
    return prepared;
  }

  #send(message: Uint8Array) {
    return this.#pg.execProtocolStream(message, { syncToFs: false });
  }
}
