/**
 * Stored strategies: create, list, get, update (every version kept), delete.
 * Documents are validated before they are stored; the source text is kept
 * exactly as the user wrote it (a parsed document is stored as JSON).
 */
import type { StoredStrategy } from "../../contract/mod.ts";
import { type Db, sql } from "../../db/mod.ts";
import type { Strategy } from "../core/strategy/mod.ts";
import { NotFoundError, ValidationError } from "./errors.ts";
import {
  validateRequest,
  type ValidationOutcome,
  type ValidationRequest,
} from "./strategy_validation.ts";

const ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/**
 * Validates a document on the calling thread or throws a {@link ValidationError}
 * (422) listing every problem (for local commands; the service validates off
 * its main thread).
 */
export function validateStrategy(document: StrategyDocument): Strategy {
  const outcome = validateRequest({ document });
  if (!outcome.ok) throw new ValidationError("invalid strategy", outcome.errors, 422);
  return outcome.strategy;
}

/** Turns a strategy name into an id: lower case, `-` between words. */
export function strategyId(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 64) ||
    "strategy";
}

/** A strategy document as requests carry it: YAML/JSON text or a parsed document. */
export type StrategyDocument = string | Record<string, unknown>;

/** Options of {@link StrategyStore}. */
export interface StrategyStoreOptions {
  /**
   * Validates documents, e.g. a `StrategyValidator` off the main thread (the
   * service passes one); default: on the calling thread.
   */
  readonly validate?: (request: ValidationRequest) => Promise<ValidationOutcome>;
}

/** CRUD over the strategies tables. */
export class StrategyStore {
  readonly #db: Db;
  readonly #validate: (request: ValidationRequest) => Promise<ValidationOutcome>;

  constructor(db: Db, options: StrategyStoreOptions = {}) {
    this.#db = db;
    this.#validate = options.validate ?? ((request) => Promise.resolve(validateRequest(request)));
  }

  /** Validates a document without storing it: the strategy and its source, or every problem. */
  check(document: StrategyDocument): Promise<ValidationOutcome> {
    return this.#validate({ document });
  }

  /** Validates a request's document, or throws a {@link ValidationError} (422) listing every problem. */
  async #validated(
    document: StrategyDocument,
    sizing?: Record<string, unknown>,
  ): Promise<{ strategy: Strategy; source: string }> {
    const outcome = await this.#validate(sizing ? { document, sizing } : { document });
    if (!outcome.ok) throw new ValidationError("invalid strategy", outcome.errors, 422);
    return outcome;
  }

  /** Validates and stores a new strategy; its id comes from `id` or its name. */
  async create(
    document: StrategyDocument,
    options: { id?: string } = {},
  ): Promise<StoredStrategy> {
    const { strategy, source } = await this.#validated(document);
    const id = options.id ?? strategyId(strategy.name);
    if (!ID.test(id)) {
      throw new ValidationError("invalid strategy id", [{
        path: "id",
        message: `'${id}' must be 1–64 of a-z, 0-9, _ and -`,
      }]);
    }
    return await this.#db.transaction(async (tx) => {
      const taken = await tx.query(sql`select 1 from strategies where id = ${id}`);
      if (taken.length > 0) {
        throw new ValidationError("strategy id taken", [{
          path: "id",
          message: `a strategy with id '${id}' exists; update it or choose another name`,
        }], 422);
      }
      await tx.query(
        sql`insert into strategies (id, name, version, source) values (${id}, ${strategy.name}, 1, ${source})`,
      );
      await tx.query(
        sql`insert into strategy_versions (strategy_id, version, source) values (${id}, 1, ${source})`,
      );
      return (await tx.query<StoredStrategy>(sql`${SELECT} where id = ${id}`))[0];
    });
  }

  /** Stores a new version of an existing strategy. */
  async update(id: string, document: StrategyDocument): Promise<StoredStrategy> {
    const { strategy, source } = await this.#validated(document);
    return await this.#db.transaction(async (tx) => {
      const rows = await tx.query<{ version: number }>(
        sql`select version from strategies where id = ${id} for update`,
      );
      if (rows.length === 0) throw new NotFoundError(`no strategy with id '${id}'`);
      const version = rows[0].version + 1;
      await tx.query(
        sql`update strategies set name = ${strategy.name}, version = ${version}, source = ${source}, updated_at = now() where id = ${id}`,
      );
      await tx.query(
        sql`insert into strategy_versions (strategy_id, version, source) values (${id}, ${version}, ${source})`,
      );
      return (await tx.query<StoredStrategy>(sql`${SELECT} where id = ${id}`))[0];
    });
  }

  /** The current version of a strategy, or a given version. */
  async get(id: string, version?: number): Promise<StoredStrategy> {
    const rows = version === undefined
      ? await this.#db.query<StoredStrategy>(sql`${SELECT} where id = ${id}`)
      : await this.#db.query<StoredStrategy>(sql`
          select s.id, s.name, v.version, v.source,
            to_char(v.created_at at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as created_at,
            to_char(s.updated_at at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as updated_at
          from strategies s join strategy_versions v on v.strategy_id = s.id
          where s.id = ${id} and v.version = ${version}`);
    if (rows.length === 0) {
      throw new NotFoundError(
        version === undefined
          ? `no strategy with id '${id}'`
          : `strategy '${id}' has no version ${version}`,
      );
    }
    return rows[0];
  }

  /**
   * The strategy a request refers to: a stored id, or an inline YAML/JSON text
   * or object; `sizing` replaces its sizing rule. Unknown ids and invalid
   * documents are {@link ValidationError}s (422).
   */
  async resolve(
    ref: StrategyDocument,
    options: { sizing?: Record<string, unknown> } = {},
  ): Promise<{ strategy: Strategy; strategyId: string | null; source: string }> {
    let strategyId: string | null = null;
    let document = ref;
    if (typeof ref === "string" && ID.test(ref)) {
      const stored = await this.get(ref).catch((error) => {
        if (!(error instanceof NotFoundError)) throw error;
        throw new ValidationError("unknown strategy", [{
          path: "strategy",
          message: error.message,
        }], 422);
      });
      strategyId = stored.id;
      document = stored.source;
    }
    const { strategy, source } = await this.#validated(document, options.sizing);
    return { strategy, strategyId, source };
  }

  /** Every stored strategy, by name. */
  list(): Promise<StoredStrategy[]> {
    return this.#db.query<StoredStrategy>(sql`${SELECT} order by name, id`);
  }

  /** Deletes a strategy and its versions (sessions keep the document they run). */
  async delete(id: string): Promise<void> {
    const rows = await this.#db.query(sql`delete from strategies where id = ${id} returning id`);
    if (rows.length === 0) throw new NotFoundError(`no strategy with id '${id}'`);
  }

  /** Stores the example strategies shipped in `strategies/` that are not stored yet. */
  async seedExamples(): Promise<void> {
    const dir = new URL("../../strategies/", import.meta.url);
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.name.endsWith(".yaml")) continue;
      const id = entry.name.replace(/\.yaml$/, "");
      const exists = await this.#db.query(sql`select 1 from strategies where id = ${id}`);
      if (exists.length === 0) {
        await this.create(await Deno.readTextFile(new URL(entry.name, dir)), { id }).catch(
          (error) => {
            if (!(error instanceof ValidationError && error.message === "strategy id taken")) {
              throw error;
            }
          },
        );
      }
    }
  }
}

const SELECT = sql`select id, name, version, source,
  to_char(created_at at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as created_at,
  to_char(updated_at at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as updated_at
  from strategies`;
