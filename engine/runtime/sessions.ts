/**
 * Paper trading sessions as users see them: created from a strategy, stored in
 * the database, run by the {@link Supervisor}, restored after a restart.
 */
import { type Db, sql } from "../../db/mod.ts";
import {
  ACTIVE_STATUSES,
  type SessionSnapshot,
  type SessionStatus,
  type SessionView,
} from "../core/session/mod.ts";
import {
  equity,
  freeCash,
  openOrders,
  position,
  resolveExecutionConfig,
} from "../core/execution/mod.ts";
import { createMetrics, type Metrics, metricsOf } from "../core/metrics/mod.ts";
import type { Strategy } from "../core/strategy/mod.ts";
import { ConflictError, NotFoundError, ValidationError } from "./errors.ts";
import { sessionInputSchema } from "./session_input.ts";
import { executionOf } from "./trading_input.ts";
import type { StrategyStore } from "./strategies.ts";
import type { LiveSession, Supervisor } from "./supervisor.ts";
import { zodDetails } from "./zod_details.ts";

/** The feed a session runs on, recorded with it. */
export interface FeedLabel {
  readonly name: string;
  readonly simulated: boolean;
}

/** A session as the API shows it. */
export interface SessionSummary {
  readonly id: string;
  readonly name: string;
  readonly strategy_id: string | null;
  readonly symbol: string;
  readonly status: SessionStatus;
  readonly feed: string;
  readonly simulated: boolean;
  readonly created_at: string;
  readonly last_error: string | null;
  readonly initial_capital: number;
  readonly equity: number;
  readonly cash: number;
  readonly free_cash: number;
  readonly pnl: number;
  readonly realized_pnl: number;
  readonly unrealized_pnl: number;
  readonly total_return: number;
  readonly position: { readonly quantity: number; readonly avg_price: number };
  readonly last_price: number | null;
  readonly warmup: { readonly done: number; readonly total: number } | null;
  readonly trade_count: number;
  readonly restarts: number;
}

interface SessionRow {
  id: string;
  strategy_id: string | null;
  strategy_name: string;
  strategy_source: string;
  symbol: string;
  options: { execution: Record<string, unknown>; strategy: Strategy; name?: string };
  status: SessionStatus;
  feed: string;
  simulated: boolean;
  last_error: string | null;
  created_at: string;
  snapshot: SessionSnapshot | null;
  seq: number | null;
}

/** Creates, lists and controls sessions. */
export class SessionService {
  readonly #db: Db;
  readonly #supervisor: Supervisor;
  readonly #strategies: StrategyStore;
  readonly #feed: () => FeedLabel;
  readonly #symbols: () => readonly string[];
  readonly #announce: (session: SessionSummary) => void;
  /** Rows of live sessions (their static fields), so reading a live session needs no query. */
  readonly #rows = new Map<string, SessionRow>();

  constructor(
    deps: {
      db: Db;
      supervisor: Supervisor;
      strategies: StrategyStore;
      feed: () => FeedLabel;
      symbols: () => readonly string[];
      /** Tells live listeners about a new session. */
      announce?: (session: SessionSummary) => void;
    },
  ) {
    this.#db = deps.db;
    this.#supervisor = deps.supervisor;
    this.#strategies = deps.strategies;
    this.#feed = deps.feed;
    this.#symbols = deps.symbols;
    this.#announce = deps.announce ?? (() => {});
  }

  /** Validates the request, stores the session and starts it. */
  async create(body: unknown): Promise<SessionSummary> {
    const parsed = sessionInputSchema.safeParse(body);
    if (!parsed.success) {
      throw new ValidationError("invalid session request", zodDetails(parsed.error));
    }
    const input = parsed.data;
    if (!this.#symbols().includes(input.symbol)) {
      throw new ValidationError("unknown symbol", [{
        path: "symbol",
        message: `'${input.symbol}' is not traded here (available: ${this.#symbols().join(", ")})`,
      }]);
    }
    const { strategy, strategyId, source } = await this.#strategies.resolve(input.strategy, {
      sizing: input.sizing,
    });
    const execution = executionOf(input.initial_capital, input);
    const id = crypto.randomUUID();
    const feed = this.#feed();
    const options = JSON.stringify({ execution, strategy, name: input.name });
    await this.#db.query(sql`
      insert into sessions (id, strategy_id, strategy_name, strategy_source, symbol, options, status, feed, simulated)
      values (${id}, ${strategyId}, ${input.name ?? strategy.name}, ${source}, ${input.symbol},
        ${options}::text::jsonb, 'starting', ${feed.name}, ${feed.simulated})`);
    await this.#supervisor.start({ id, symbol: input.symbol, strategy, execution, seq: 0 });
    const session = await this.get(id);
    this.#announce(session);
    return session;
  }

  /** Sessions, newest first, optionally filtered by status. */
  async list(
    options: { status?: SessionStatus; limit?: number; offset?: number } = {},
  ): Promise<{ sessions: SessionSummary[]; total: number }> {
    const filter = options.status ? sql`where s.status = ${options.status}` : sql``;
    const rows = await this.#db.query<SessionRow>(sql`${SELECT} ${filter}
      order by s.created_at desc, s.id limit ${options.limit ?? 50} offset ${options.offset ?? 0}`);
    const total = await this.#db.query<{ n: number }>(
      sql`select count(*)::int as n from sessions s ${filter}`,
    );
    return { sessions: rows.map((row) => this.#summary(row)), total: total[0].n };
  }

  /** One session, with its live state when it runs. */
  async get(id: string): Promise<SessionSummary> {
    // A live session's row never changes while it runs and its state is in memory: no query.
    const cached = this.#supervisor.get(id)?.view ? this.#rows.get(id) : undefined;
    return this.#summary(cached ?? await this.#row(id));
  }

  /** Pauses, resumes or stops a session (409 when the transition is not allowed). */
  async command(id: string, command: "pause" | "resume" | "stop"): Promise<SessionSummary> {
    const row = await this.#row(id);
    if (!this.#supervisor.get(id)) {
      if (command === "stop" && row.status === "failed") {
        await this.#db.query(
          sql`update sessions set status = 'stopped', updated_at = now() where id = ${id}`,
        );
        return this.get(id);
      }
      throw new ConflictError(`cannot ${command} a session that is ${row.status}`);
    }
    await this.#supervisor.command(id, command);
    return this.get(id);
  }

  /** Current performance metrics of a session (live, or from its last durable state). */
  async metrics(id: string): Promise<Metrics> {
    const row = await this.#row(id);
    const view = this.#supervisor.get(id)?.view ??
      (row.snapshot ? viewOf(row.snapshot, row.symbol) : undefined);
    return view?.metrics ??
      metricsOf(createMetrics({ initial_equity: Number(row.options.execution.initial_cash) }));
  }

  /** Brings back every session that was active when the service last stopped. */
  async restoreAll(): Promise<number> {
    const rows = await this.#db.query<SessionRow>(
      sql`${SELECT} where s.status = any(${ACTIVE_STATUSES as string[]})`,
    );
    await Promise.all(rows.map((row) => this.#restore(row)));
    return rows.length;
  }

  async #restore(row: SessionRow): Promise<void> {
    if (row.status === "stopping") {
      await this.#db.query(sql`update sessions set status = 'stopped' where id = ${row.id}`);
      return;
    }
    await this.#supervisor.start({
      id: row.id,
      symbol: row.symbol,
      strategy: row.options.strategy,
      execution: resolveExecutionConfig(row.options.execution),
      snapshot: row.snapshot ?? undefined,
      seq: Number(row.seq ?? 0),
    }).catch(async (error) => {
      await this.#db.query(
        sql`update sessions set status = 'failed', last_error = ${`restore failed: ${error}`} where id = ${row.id}`,
      );
    });
  }

  async #row(id: string): Promise<SessionRow> {
    const rows = await this.#db.query<SessionRow>(sql`${SELECT} where s.id = ${id}`);
    if (rows.length === 0) throw new NotFoundError(`no session with id '${id}'`);
    if (this.#supervisor.get(id)) this.#rows.set(id, rows[0]);
    else this.#rows.delete(id);
    return rows[0];
  }

  #summary(row: SessionRow): SessionSummary {
    const live: LiveSession | undefined = this.#supervisor.get(row.id);
    const view = live?.view ?? (row.snapshot ? viewOf(row.snapshot, row.symbol) : undefined);
    const initial = Number(row.options.execution.initial_cash);
    const eq = view?.equity ?? initial;
    return {
      id: row.id,
      name: row.strategy_name,
      strategy_id: row.strategy_id,
      symbol: row.symbol,
      status: live?.status ?? row.status,
      feed: row.feed,
      simulated: row.simulated,
      created_at: row.created_at,
      last_error: live?.lastError ?? row.last_error,
      initial_capital: initial,
      equity: eq,
      cash: view?.cash ?? initial,
      free_cash: view?.free_cash ?? initial,
      pnl: eq - initial,
      realized_pnl: view?.position.realized_pnl ?? 0,
      unrealized_pnl: view?.position.unrealized_pnl ?? 0,
      total_return: eq / initial - 1,
      position: {
        quantity: view?.position.quantity ?? 0,
        avg_price: view?.position.avg_price ?? 0,
      },
      last_price: view?.last_price ?? null,
      warmup: live?.view?.warmup ?? null,
      trade_count: view?.metrics.trade_count ?? 0,
      restarts: live?.restarts ?? 0,
    };
  }
}

/** Persists a session's status change (and its error, when given). */
export async function saveSessionStatus(
  db: Db,
  id: string,
  status: SessionStatus,
  error?: string,
): Promise<void> {
  await db.query(sql`update sessions set status = ${status}, updated_at = now(),
    last_error = coalesce(${error ?? null}, last_error) where id = ${id}`);
}

/** The API view of a session that has no worker, from its last durable state. */
function viewOf(snapshot: SessionSnapshot, symbol: string): SessionView {
  const pos = position(snapshot.account, symbol);
  return {
    symbol,
    phase: "running",
    paused: snapshot.paused,
    warmup: { done: 0, total: 0 },
    position: pos,
    cash: snapshot.account.cash,
    free_cash: freeCash(snapshot.account),
    equity: equity(snapshot.account),
    last_price: pos.mark_price > 0 ? pos.mark_price : null,
    time: snapshot.time,
    open_orders: openOrders(snapshot.account),
    metrics: metricsOf(snapshot.metrics),
  };
}

const SELECT = sql`select s.id, s.strategy_id, s.strategy_name, s.strategy_source, s.symbol,
  s.options, s.status, s.feed, s.simulated, s.last_error,
  to_char(s.created_at at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as created_at,
  snap.state as snapshot, snap.seq
  from sessions s left join session_snapshots snap on snap.session_id = s.id`;
