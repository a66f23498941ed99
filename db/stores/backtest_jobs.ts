/**
 * SQL of the backtests table: jobs with their parameters, status, progress
 * and result (parameters and results are JSON documents).
 */
import type { BacktestStatus } from "../../contract/mod.ts";
import { type Db, sql, type Statement } from "../db.ts";

/** A stored job; `result` is null unless it was asked for and is there. */
export interface BacktestRow<Params, Result> {
  id: string;
  status: BacktestStatus;
  progress: number;
  params: Params;
  result?: Result | null;
  error: string | null;
  created_at: string;
  finished_at: string | null;
}

/** Reads and writes backtest jobs; `Params` and `Result` are their stored documents. */
export class BacktestTable<Params, Result> {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Marks jobs left queued or running by an earlier run of the service as failed. */
  async failInterrupted(): Promise<void> {
    await this.#db.query(sql`update backtests
      set status = 'failed', error = 'interrupted: the service stopped while it ran', finished_at = now()
      where status in ('queued', 'running')`);
  }

  /** Stores a new job as queued. */
  async insert(id: string, params: Params): Promise<void> {
    await this.#db.query(sql`insert into backtests (id, status, progress, params)
      values (${id}, 'queued', 0, ${JSON.stringify(params)}::text::jsonb)`);
  }

  /** One job (its result only with `result: true`), if stored. */
  async get(
    id: string,
    options: { result: boolean },
  ): Promise<BacktestRow<Params, Result> | undefined> {
    const result = options.result ? sql`result` : sql`null::jsonb`;
    return (await this.#db.query<BacktestRow<Params, Result>>(
      sql`${select(result)} where id = ${id}`,
    ))[0];
  }

  /** Jobs, newest first, without their results, and how many there are in all. */
  async list(
    options: { limit: number; offset: number },
  ): Promise<{ rows: BacktestRow<Params, Result>[]; total: number }> {
    const rows = await this.#db.query<BacktestRow<Params, Result>>(sql`${select(sql`null::jsonb`)}
      order by created_at desc, id limit ${options.limit} offset ${options.offset}`);
    const total = await this.#db.query<{ n: number }>(
      sql`select count(*)::int as n from backtests`,
    );
    return { rows, total: total[0].n };
  }

  /** Marks a job as running and returns its parameters. */
  async start(id: string): Promise<Params> {
    const rows = await this.#db.query<{ params: Params }>(
      sql`select params from backtests where id = ${id}`,
    );
    await this.#db.query(sql`update backtests set status = 'running' where id = ${id}`);
    return rows[0].params;
  }

  /** Records how far a running job has come (0..1). */
  async progress(id: string, fraction: number): Promise<void> {
    await this.#db.query(sql`update backtests set progress = ${fraction} where id = ${id}`);
  }

  /** Records that a job failed, and why. */
  async fail(id: string, error: string): Promise<void> {
    await this.#db.query(sql`update backtests set status = 'failed',
      error = ${error}, finished_at = now() where id = ${id}`);
  }

  /** Records a job's result. */
  async finish(id: string, result: Result): Promise<void> {
    await this.#db.query(sql`update backtests set status = 'done', progress = 1,
      result = ${JSON.stringify(result)}::text::jsonb, finished_at = now() where id = ${id}`);
  }
}

function select(result: Statement): Statement {
  return sql`select id, status, progress, params, ${result} as result, error,
    to_char(created_at at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as created_at,
    to_char(finished_at at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as finished_at
    from backtests`;
}
