/**
 * Stored strategies: create, list, get, update (every version kept), delete.
 * Documents are validated before they are stored; the source text is kept
 * exactly as the user wrote it (a parsed document is stored as JSON).
 */
import type { Db } from "../../db/mod.ts";
import { StrategyTable } from "../../db/stores/mod.ts";
import type { StoredStrategy } from "../../contract/mod.ts";
import { type Strategy, symbolReferenceProblems } from "../core/strategy/mod.ts";
import { ConflictError, NotFoundError, ValidationError } from "./errors.ts";
import {
  validateRequest,
  type ValidationOutcome,
  type ValidationRequest,
} from "./strategy_validation.ts";

const ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** The example strategies shipped with the service: stored under their file names, read-only. */
const EXAMPLES = new URL("../../strategies/", import.meta.url);

/** The ids of the example strategies (their file names without `.yaml`). */
async function exampleIds(): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const entry of Deno.readDir(EXAMPLES)) {
    if (entry.name.endsWith(".yaml")) ids.add(entry.name.replace(/\.yaml$/, ""));
  }
  return ids;
}

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

/**
 * Throws a {@link ValidationError} (422) when a strategy's cross-symbol
 * references or legs do not fit the symbols it is to run over (one symbol, or
 * a symbol not among them), each problem by its path in the strategy.
 */
export function checkStrategySymbols(strategy: Strategy, symbols: readonly string[]): void {
  const problems = symbolReferenceProblems(strategy, symbols);
  if (problems.length > 0) {
    throw new ValidationError("strategy does not fit these symbols", problems, 422);
  }
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

/** Stored strategies, validated before they are stored. */
export class StrategyStore {
  readonly #table: StrategyTable;
  readonly #validate: (request: ValidationRequest) => Promise<ValidationOutcome>;
  #examples?: Promise<Set<string>>;

  constructor(db: Db, options: StrategyStoreOptions = {}) {
    this.#table = new StrategyTable(db);
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
    const stored = await this.#table.create({ id, name: strategy.name, source });
    if (!stored) {
      throw new ValidationError("strategy id taken", [{
        path: "id",
        message: `a strategy with id '${id}' exists; update it or choose another name`,
      }], 422);
    }
    return stored;
  }

  /**
   * The ids of the built-in (example) strategies, which are read-only; read
   * once (a read that failed is tried again by the next call).
   */
  builtIns(): Promise<ReadonlySet<string>> {
    return this.#examples ??= exampleIds().catch((error) => {
      this.#examples = undefined;
      throw error;
    });
  }

  /** Throws a {@link ConflictError} (409) when `id` is one of the example strategies. */
  async #writable(id: string): Promise<void> {
    if ((await this.builtIns()).has(id)) {
      throw new ConflictError(
        `'${id}' is a built-in strategy and cannot be changed or deleted; ` +
          "store a copy under another name",
      );
    }
  }

  /** Stores a new version of an existing strategy (not of an example: 409). */
  async update(id: string, document: StrategyDocument): Promise<StoredStrategy> {
    await this.#writable(id);
    const { strategy, source } = await this.#validated(document);
    const stored = await this.#table.update({ id, name: strategy.name, source });
    if (!stored) throw new NotFoundError(`no strategy with id '${id}'`);
    return stored;
  }

  /** The current version of a strategy, or a given version. */
  async get(id: string, version?: number): Promise<StoredStrategy> {
    const stored = await this.#table.get(id, version);
    if (!stored) {
      throw new NotFoundError(
        version === undefined
          ? `no strategy with id '${id}'`
          : `strategy '${id}' has no version ${version}`,
      );
    }
    return stored;
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
    return this.#table.list();
  }

  /** Deletes a strategy and its versions (sessions keep the document they run); not an example (409). */
  async delete(id: string): Promise<void> {
    await this.#writable(id);
    if (!await this.#table.delete(id)) throw new NotFoundError(`no strategy with id '${id}'`);
  }

  /** Stores the example strategies shipped in `strategies/` that are not stored yet. */
  async seedExamples(): Promise<void> {
    for (const id of await this.builtIns()) {
      if (!await this.#table.exists(id)) {
        await this.create(await Deno.readTextFile(new URL(`${id}.yaml`, EXAMPLES)), { id }).catch(
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
