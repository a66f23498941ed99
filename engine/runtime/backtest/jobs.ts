/**
 * Backtests as background jobs: validated, stored in the `backtests` table,
 * run one at a time in the order they were asked for, with their progress
 * (0..1) and result stored as they go. Jobs interrupted by a restart are
 * marked failed when the manager starts. Data files come only from the
 * backtest directory and are shown by their path relative to it.
 */
import type { Db } from "../../../db/mod.ts";
import { type BacktestRow, BacktestTable } from "../../../db/stores/mod.ts";
import type { ExecutionConfig } from "../../core/execution/mod.ts";
import type { Strategy } from "../../core/strategy/mod.ts";
import { NotFoundError, ValidationError } from "../errors.ts";
import { checkStrategySymbols, type StrategyStore } from "../strategies.ts";
import type { Logger } from "../log.ts";
import type { BacktestStatus } from "../../../contract/mod.ts";
import type { BacktestInput } from "../../../contract/schemas.ts";
import { executionOf } from "../trading_input.ts";
import { type FileBacktestResult, runBacktest, symbolNeeded } from "./run.ts";
import { portfolioQuote } from "../../core/session/mod.ts";
import { DataFiles } from "./data_files.ts";

export type { BacktestStatus };

/** A job as the API shows it (`result` only when asked for one job). */
export interface BacktestJob {
  readonly id: string;
  readonly status: BacktestStatus;
  readonly progress: number;
  readonly params: BacktestParams;
  readonly result?: FileBacktestResult;
  readonly error?: string;
  readonly created_at: string;
  readonly finished_at: string | null;
}

/** What a job was asked to do, resolved (stored with it). */
export interface BacktestParams {
  readonly strategy_id: string | null;
  readonly strategy: Strategy;
  /** The data file, relative to the backtest directory (`SYMBOL=file` entries for a portfolio). */
  readonly data: string;
  /** A portfolio's recordings (relative paths), one per symbol, in merge order. */
  readonly portfolio?: readonly { readonly symbol: string; readonly data: string }[];
  readonly symbol?: string;
  readonly from?: number;
  readonly to?: number;
  readonly execution: ExecutionConfig;
}

type Row = BacktestRow<BacktestParams, FileBacktestResult>;

/** Progress is written to the database at most this often (ms). */
const PROGRESS_EVERY_MS = 500;

/** Creates, runs, lists and reads backtest jobs. */
export class BacktestJobs {
  readonly #table: BacktestTable<BacktestParams, FileBacktestResult>;
  readonly #strategies: StrategyStore;
  readonly #log: Logger;
  readonly #queue: string[] = [];
  readonly #progress = new Map<string, number>();
  readonly #ready: Promise<void>;
  #progressWriteErrors = 0;
  #running?: Promise<void>;
  /** The data files jobs may read: those of the backtest directory. */
  readonly files: DataFiles;

  constructor(deps: { db: Db; strategies: StrategyStore; backtestDir: string; log: Logger }) {
    this.#table = new BacktestTable(deps.db);
    this.#strategies = deps.strategies;
    this.#log = deps.log;
    this.files = new DataFiles(deps.backtestDir);
    this.#ready = this.#table.failInterrupted();
    // Made at service start: a failure here reaches the requests that wait for it, nothing else.
    this.#ready.catch(() => {});
  }

  /** Stores the job as queued and starts it when its turn comes. */
  async create(input: BacktestInput): Promise<BacktestJob> {
    await this.#ready;
    const file = input.data === undefined
      ? undefined
      : (await this.files.resolve(input.data)).relative;
    const needed = file === undefined ? undefined : symbolNeeded(file, input.symbol);
    if (needed) throw new ValidationError("symbol required", [{ path: "symbol", message: needed }]);
    const { strategy, strategyId } = await this.#strategies.resolve(input.strategy, {
      sizing: input.sizing,
    });
    const execution = executionOf(input.initial_capital, input);
    const portfolio = input.portfolio && await this.#portfolio(input.portfolio, execution);
    checkStrategySymbols(
      strategy,
      portfolio ? portfolio.map((p) => p.symbol) : [input.symbol ?? "the data's symbol"],
    );
    const data = file ?? portfolio!.map((p) => `${p.symbol}=${p.data}`).join(" ");
    if (input.from !== undefined && input.to !== undefined && input.from > input.to) {
      throw new ValidationError("invalid time window", [{
        path: "from",
        message: `from (${new Date(input.from).toISOString()}) is after to (${
          new Date(input.to).toISOString()
        })`,
      }]);
    }
    const params: BacktestParams = {
      strategy_id: strategyId,
      strategy,
      data,
      ...(portfolio ? { portfolio } : {}),
      ...(input.symbol ? { symbol: input.symbol } : {}),
      ...(input.from !== undefined ? { from: input.from } : {}),
      ...(input.to !== undefined ? { to: input.to } : {}),
      execution,
    };
    const id = crypto.randomUUID();
    await this.#table.insert(id, params);
    this.#queue.push(id);
    this.#running ??= this.#drain().finally(() => this.#running = undefined);
    return await this.get(id, { result: false });
  }

  /** A portfolio's recordings resolved; refuses repeated symbols and mixed quote currencies. */
  async #portfolio(
    entries: readonly { symbol: string; data: string }[],
    execution: ExecutionConfig,
  ): Promise<{ symbol: string; data: string }[]> {
    const symbols = entries.map((e) => e.symbol);
    try {
      const repeated = symbols.find((s, i) => symbols.indexOf(s) !== i);
      if (repeated) throw new RangeError(`symbol ${repeated} is listed twice`);
      portfolioQuote(symbols, execution);
    } catch (error) {
      throw new ValidationError("invalid backtest request", [{
        path: "portfolio",
        message: (error as Error).message,
      }]);
    }
    return await Promise.all(entries.map(async (e) => ({
      symbol: e.symbol,
      data: (await this.files.resolve(e.data)).relative,
    })));
  }

  /** One job (with its result unless `result: false`). */
  async get(id: string, options: { result?: boolean } = {}): Promise<BacktestJob> {
    await this.#ready;
    const row = await this.#table.get(id, { result: options.result !== false });
    if (!row) throw new NotFoundError(`no backtest with id '${id}'`);
    return this.#job(row);
  }

  /** Jobs, newest first, without their results. */
  async list(
    options: { limit?: number; offset?: number } = {},
  ): Promise<{ backtests: BacktestJob[]; total: number }> {
    await this.#ready;
    const { rows, total } = await this.#table.list({
      limit: options.limit ?? 50,
      offset: options.offset ?? 0,
    });
    return { backtests: rows.map((row) => this.#job(row)), total };
  }

  /**
   * Progress writes the database refused (each is logged and skipped: the job
   * goes on, and its end is recorded as usual).
   */
  get progressWriteErrors(): number {
    return this.#progressWriteErrors;
  }

  /** Resolves when every queued job has finished. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  #job(row: Row): BacktestJob {
    const live = this.#progress.get(row.id);
    return {
      id: row.id,
      status: row.status,
      progress: live ?? Number(row.progress),
      params: row.params,
      ...(row.result ? { result: row.result } : {}),
      ...(row.error ? { error: row.error } : {}),
      created_at: row.created_at,
      finished_at: row.finished_at,
    };
  }

  async #drain(): Promise<void> {
    for (let id = this.#queue.shift(); id !== undefined; id = this.#queue.shift()) {
      try {
        await this.#run(id);
      } catch (error) {
        this.#log.error(`backtest ${id}: could not record its outcome: ${error}`);
      } finally {
        this.#progress.delete(id);
      }
    }
  }

  async #run(id: string): Promise<void> {
    const params = await this.#table.start(id);
    this.#progress.set(id, 0);
    let written = 0;
    let writing: Promise<unknown> = Promise.resolve();
    let result: FileBacktestResult;
    const absolute: string[] = [];
    try {
      // Resolved again: the directory may have changed since the job was queued.
      const sources = [];
      for (const entry of params.portfolio ?? [{ symbol: params.symbol, data: params.data }]) {
        absolute.push((await this.files.resolve(entry.data)).absolute);
        sources.push({ symbol: entry.symbol, path: absolute[absolute.length - 1] });
      }
      result = await runBacktest(params.portfolio ? sources : absolute[0], {
        strategy: params.strategy,
        execution: params.execution,
        symbol: params.symbol,
        from: params.from,
        to: params.to,
        onProgress: (fraction) => {
          this.#progress.set(id, fraction);
          const now = performance.now();
          if (now - written < PROGRESS_EVERY_MS) return;
          written = now;
          writing = writing.then(() =>
            this.#table.progress(id, fraction).catch((error) => {
              this.#progressWriteErrors++;
              this.#log.warn(`backtest ${id}: its progress could not be stored: ${error}`);
            })
          );
        },
      });
      result = { ...result, data: params.data };
    } catch (error) {
      const message = error instanceof ValidationError
        ? `${error.message}: ${error.details[0].message}`
        : (error as Error).message;
      await writing;
      const relative = params.portfolio?.map((p) => p.data) ?? [params.data];
      await this.#table.fail(
        id,
        absolute.reduce((text, path, i) => text.replaceAll(path, relative[i]), message),
      );
      return;
    }
    await writing;
    await this.#table.finish(id, result);
  }
}
