/**
 * Paper trading sessions as users see them: created from a strategy, stored in
 * the database, run by the {@link Supervisor}, restored after a restart.
 */
import type { SessionSummary } from "../../contract/mod.ts";
import type { SessionInput } from "../../contract/schemas.ts";
import { type Db, sql } from "../../db/mod.ts";
import {
  ACTIVE_STATUSES,
  refusal,
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
import {
  ConflictError,
  NotFoundError,
  ServiceUnavailableError,
  ValidationError,
} from "./errors.ts";
import { requestDigest } from "./idempotency.ts";
import type { Logger } from "./log.ts";
import { executionOf } from "./trading_input.ts";
import type { StrategyStore } from "./strategies.ts";
import type { LiveSession, SessionSpec, Supervisor } from "./supervisor.ts";

/** The feed a session runs on, recorded with it. */
export interface FeedLabel {
  readonly name: string;
  readonly simulated: boolean;
}

/** How far restoring the sessions that were running at the last stop has come. */
export interface RestoreProgress {
  readonly total: number;
  /** Sessions running again. */
  readonly restored: number;
  /** Sessions that failed, or were not running within the start timeout (they keep starting). */
  readonly failed: number;
  readonly done: boolean;
}

/** Sessions restored at once: each waits for its worker to load and warm up. */
const RESTORE_CONCURRENCY = 16;

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
  restarts: number;
  restart_reason: string | null;
  request_digest: string | null;
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
  readonly #maxSessions: number;
  readonly #log: Logger | undefined;
  /** Rows of live sessions (their static fields), so reading a live session needs no query. */
  readonly #rows = new Map<string, SessionRow>();
  /** Sessions being created or resumed: they count against the cap before they run. */
  #reserved = 0;
  #restore: RestoreProgress = { total: 0, restored: 0, failed: 0, done: false };

  constructor(
    deps: {
      db: Db;
      supervisor: Supervisor;
      strategies: StrategyStore;
      feed: () => FeedLabel;
      symbols: () => readonly string[];
      /** Tells live listeners about a new session. */
      announce?: (session: SessionSummary) => void;
      /** Most sessions this node runs at once (default unlimited). */
      maxSessions?: number;
      log?: Logger;
    },
  ) {
    this.#db = deps.db;
    this.#supervisor = deps.supervisor;
    this.#strategies = deps.strategies;
    this.#feed = deps.feed;
    this.#symbols = deps.symbols;
    this.#announce = deps.announce ?? (() => {});
    this.#maxSessions = deps.maxSessions ?? Infinity;
    this.#log = deps.log;
  }

  /** Stores the session and starts it. */
  async create(input: SessionInput): Promise<SessionSummary> {
    return (await this.createOnce(input)).session;
  }

  /**
   * {@link create} with an idempotency key: a request already seen with that
   * key returns its session (`created: false`) instead of starting another;
   * the same key with a different body is refused (422).
   */
  async createOnce(
    input: SessionInput,
    key?: string,
  ): Promise<{ session: SessionSummary; created: boolean }> {
    const digest = key === undefined ? null : await requestDigest(input);
    if (key !== undefined) {
      const earlier = await this.#byKey(key, digest!);
      if (earlier) return { session: earlier, created: false };
    }
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
    const settings = JSON.stringify({ execution, strategy, name: input.name });
    await this.#withCapacity(async () => {
      const inserted = await this.#db.query(sql`
        insert into sessions (id, strategy_id, strategy_name, strategy_source, symbol, options,
          status, feed, simulated, idempotency_key, request_digest)
        values (${id}, ${strategyId}, ${input.name ?? strategy.name}, ${source}, ${input.symbol},
          ${settings}::text::jsonb, 'starting', ${feed.name}, ${feed.simulated}, ${key ?? null},
          ${digest})
        on conflict (idempotency_key) do nothing
        returning id`);
      // Another request with the same key got there first: that one starts the session.
      if (inserted.length === 0) return;
      await this.#supervisor.start({ id, symbol: input.symbol, strategy, execution, seq: 0 });
    });
    const earlier = key === undefined ? undefined : await this.#byKey(key, digest!);
    if (earlier && earlier.id !== id) return { session: earlier, created: false };
    const session = await this.get(id);
    this.#announce(session);
    return { session, created: true };
  }

  /** The session created with idempotency key `key`, if any; 422 when its request differed. */
  async #byKey(key: string, digest: string): Promise<SessionSummary | undefined> {
    const rows = await this.#db.query<SessionRow>(sql`${SELECT} where s.idempotency_key = ${key}`);
    if (rows.length === 0) return undefined;
    if (rows[0].request_digest !== digest) {
      throw new ValidationError(
        "Idempotency-Key already used",
        [{
          path: "Idempotency-Key",
          message: `'${key}' was used for a different request (session ${
            rows[0].id
          }); use a new key for a new session`,
        }],
        422,
      );
    }
    return this.#summary(this.#remember(rows[0]));
  }

  /** Runs `start` holding one place under the session cap; 503 when the node is full. */
  async #withCapacity(start: () => Promise<void>): Promise<void> {
    const running = this.#supervisor.active() + this.#reserved;
    if (running >= this.#maxSessions) {
      throw new ServiceUnavailableError(
        `this node is at capacity: ${running} sessions running (MAX_SESSIONS=${this.#maxSessions}); stop a session or raise MAX_SESSIONS`,
      );
    }
    this.#reserved++;
    try {
      await start();
    } finally {
      this.#reserved--;
    }
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

  /**
   * Pauses, resumes or stops a session (409 when the transition is not
   * allowed). Resuming a failed session starts it again from its last durable
   * state.
   */
  async command(id: string, command: "pause" | "resume" | "stop"): Promise<SessionSummary> {
    const live = this.#supervisor.get(id);
    if (live?.status === "failed" && command === "resume") {
      await this.#withCapacity(async () => void await this.#supervisor.command(id, command));
      return this.get(id);
    }
    if (live) {
      await this.#supervisor.command(id, command);
      return this.get(id);
    }
    const row = await this.#row(id);
    if (row.status === "failed" && command === "stop") {
      await this.#db.query(
        sql`update sessions set status = 'stopped', updated_at = now() where id = ${id}`,
      );
      return this.get(id);
    }
    if (row.status === "failed" && command === "resume") {
      await this.#withCapacity(async () => {
        await this.#supervisor.start(specOf(row));
      });
      if (this.#supervisor.get(id)?.status === "paused") {
        await this.#supervisor.command(id, "resume");
      }
      return this.get(id);
    }
    throw new ConflictError(refusal(row.status, command) ?? `session ${id} is not running`);
  }

  /** Current performance metrics of a session (live, or from its last durable state). */
  async metrics(id: string): Promise<Metrics> {
    const row = await this.#row(id);
    const view = this.#supervisor.get(id)?.view ??
      (row.snapshot ? viewOf(row.snapshot, row.symbol) : undefined);
    return view?.metrics ??
      metricsOf(createMetrics({ initial_equity: Number(row.options.execution.initial_cash) }));
  }

  /**
   * Brings back every session that was active when the service last stopped,
   * a few at a time; {@link restoreProgress} tells how far it is. Resolves when
   * every session has an outcome (running, failed, or still starting after the
   * start timeout).
   */
  async restoreAll(): Promise<RestoreProgress> {
    const rows = await this.#db.query<SessionRow>(
      sql`${SELECT} where s.status = any(${ACTIVE_STATUSES as string[]})`,
    );
    this.#restore = { total: rows.length, restored: 0, failed: 0, done: false };
    if (rows.length > this.#maxSessions) {
      this.#log?.warn(
        `restoring ${rows.length} sessions, more than MAX_SESSIONS=${this.#maxSessions}: new ones are refused until some stop`,
      );
    }
    let next = 0;
    const restoreNext = async (): Promise<void> => {
      for (let row = rows[next++]; row; row = rows[next++]) {
        const ok = await this.#restoreOne(row);
        this.#restore = {
          ...this.#restore,
          restored: this.#restore.restored + (ok ? 1 : 0),
          failed: this.#restore.failed + (ok ? 0 : 1),
        };
      }
    };
    await Promise.all(Array.from({ length: RESTORE_CONCURRENCY }, restoreNext));
    this.#restore = { ...this.#restore, done: true };
    return this.#restore;
  }

  /** How far {@link restoreAll} has come. */
  restoreProgress(): RestoreProgress {
    return this.#restore;
  }

  /** Restores one session; false when it did not come back (the reason is logged). */
  async #restoreOne(row: SessionRow): Promise<boolean> {
    try {
      if (row.status === "stopping") {
        await this.#db.query(sql`update sessions set status = 'stopped' where id = ${row.id}`);
        return true;
      }
      await this.#supervisor.start(specOf(row));
      this.#remember(row);
      return true;
    } catch (error) {
      this.#log?.warn(`session ${row.id}: not restored: ${(error as Error).message ?? error}`);
      return false;
    }
  }

  async #row(id: string): Promise<SessionRow> {
    const rows = await this.#db.query<SessionRow>(sql`${SELECT} where s.id = ${id}`);
    if (rows.length === 0) throw new NotFoundError(`no session with id '${id}'`);
    return this.#remember(rows[0]);
  }

  /** Keeps the row of a live session, so reading it needs no query (and works while the database is down). */
  #remember(row: SessionRow): SessionRow {
    // Its state is the live view: the stored snapshot is not kept twice.
    if (this.#supervisor.get(row.id)) this.#rows.set(row.id, { ...row, snapshot: null });
    else this.#rows.delete(row.id);
    return row;
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
      restarts: live?.restarts ?? row.restarts ?? 0,
      restart_reason: live?.restartReason ?? row.restart_reason ?? null,
    };
  }
}

/** How to start a stored session again from its last durable state. */
function specOf(row: SessionRow): SessionSpec {
  return {
    id: row.id,
    symbol: row.symbol,
    strategy: row.options.strategy,
    execution: resolveExecutionConfig(row.options.execution),
    snapshot: row.snapshot ?? undefined,
    seq: Number(row.seq ?? 0),
    restarts: row.restarts ?? 0,
  };
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
  s.options, s.status, s.feed, s.simulated, s.last_error, s.restarts, s.restart_reason,
  s.request_digest,
  to_char(s.created_at at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as created_at,
  snap.state as snapshot, snap.seq
  from sessions s left join session_snapshots snap on snap.session_id = s.id`;
