/**
 * SQL of the strategies tables: every stored version of each strategy and
 * its current one.
 */
import type { StoredStrategy } from "../../contract/mod.ts";
import { type Db, sql } from "../db.ts";

/** Reads and writes strategies and their versions. */
export class StrategyTable {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Whether a strategy with id `id` is stored. */
  async exists(id: string): Promise<boolean> {
    return (await this.#db.query(sql`select 1 from strategies where id = ${id}`)).length > 0;
  }

  /** Stores version 1 of a new strategy; undefined when the id is taken. */
  create(strategy: { id: string; name: string; source: string }): Promise<
    StoredStrategy | undefined
  > {
    const { id, name, source } = strategy;
    return this.#db.transaction(async (tx) => {
      // Guarded, not checked first: several nodes starting at once seed the same examples.
      const inserted = await tx.query(
        sql`insert into strategies (id, name, version, source) values (${id}, ${name}, 1, ${source})
          on conflict (id) do nothing returning id`,
      );
      if (inserted.length === 0) return undefined;
      await tx.query(
        sql`insert into strategy_versions (strategy_id, version, source) values (${id}, 1, ${source})`,
      );
      return (await tx.query<StoredStrategy>(sql`${SELECT} where id = ${id}`))[0];
    });
  }

  /** Stores the next version of a strategy; undefined when there is none with that id. */
  update(strategy: { id: string; name: string; source: string }): Promise<
    StoredStrategy | undefined
  > {
    const { id, name, source } = strategy;
    return this.#db.transaction(async (tx) => {
      const rows = await tx.query<{ version: number }>(
        sql`select version from strategies where id = ${id} for update`,
      );
      if (rows.length === 0) return undefined;
      const version = rows[0].version + 1;
      await tx.query(
        sql`update strategies set name = ${name}, version = ${version}, source = ${source}, updated_at = now() where id = ${id}`,
      );
      await tx.query(
        sql`insert into strategy_versions (strategy_id, version, source) values (${id}, ${version}, ${source})`,
      );
      return (await tx.query<StoredStrategy>(sql`${SELECT} where id = ${id}`))[0];
    });
  }

  /** The current version of a strategy, or version `version`; undefined when not stored. */
  async get(id: string, version?: number): Promise<StoredStrategy | undefined> {
    const rows = version === undefined
      ? await this.#db.query<StoredStrategy>(sql`${SELECT} where id = ${id}`)
      : await this.#db.query<StoredStrategy>(sql`
          select s.id, s.name, v.version, v.source,
            to_char(v.created_at at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as created_at,
            to_char(s.updated_at at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as updated_at
          from strategies s join strategy_versions v on v.strategy_id = s.id
          where s.id = ${id} and v.version = ${version}`);
    return rows[0];
  }

  /** Every stored strategy, by name. */
  list(): Promise<StoredStrategy[]> {
    return this.#db.query<StoredStrategy>(sql`${SELECT} order by name, id`);
  }

  /** Deletes a strategy and its versions; false when there was none. */
  async delete(id: string): Promise<boolean> {
    const rows = await this.#db.query(sql`delete from strategies where id = ${id} returning id`);
    return rows.length > 0;
  }
}

const SELECT = sql`select id, name, version, source,
  to_char(created_at at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as created_at,
  to_char(updated_at at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as updated_at
  from strategies`;
