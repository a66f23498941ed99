/**
 * Paper trading sessions as users see them: created from a strategy, stored in
 * the database, run by the {@link Supervisor}, restored after a restart.
 */
import type { Db } from "../../db/mod.ts";
import { type SessionRow, SessionTable } from "../../db/stores/mod.ts";
import {
  holdsPosition,
  type SessionMetrics,
  type SessionSummary,
  type StoppedSummary,
  viewFigures,
} from "../../contract/mod.ts";
import type { SessionInput } from "../../contract/schemas.ts";
import {
  ACTIVE_STATUSES,
  isPortfolioSnapshot,
  type ManualOrder,
  PortfolioCore,
  portfolioQuote,
  type SessionSnapshot,
  type SessionStatus,
  type SessionView,
  transition,
} from "../core/session/mod.ts";
import type { SymbolFilters } from "../core/types.ts";
import {
  equity,
  type ExecutionConfig,
  freeCash,
  openOrders,
  type Order,
  position,
  resolveExecutionConfig,
} from "../core/execution/mod.ts";
import { createMetrics, metricsOf } from "../core/metrics/mod.ts";
import {
  effectiveLimits,
  type RiskLimits,
  type RiskView,
  riskViewOf,
  type TradingState,
} from "../core/risk/mod.ts";
import {
  ConflictError,
  NotFoundError,
  ServiceUnavailableError,
  ValidationError,
} from "./errors.ts";
import { requestDigest } from "./idempotency.ts";
import type { Logger } from "./log.ts";
import { executionOf } from "./trading_input.ts";
import { checkStrategySymbols, type StrategyStore } from "./strategies.ts";
import type { LiveSession, SessionSpec, Supervisor } from "./supervisor.ts";
import type { ActionResult, SessionAction } from "./worker_protocol.ts";

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

/** Creates, lists and controls sessions. */
export class SessionService {
  readonly #table: SessionTable;
  readonly #supervisor: Supervisor;
  readonly #strategies: StrategyStore;
  readonly #feed: (symbol: string) => FeedLabel;
  readonly #symbols: () => readonly string[];
  readonly #venue?: (symbol: string) => Promise<VenueDefaults>;
  readonly #announce: (session: SessionSummary) => void;
  readonly #maxSessions: number;
  readonly #sessionWebhooks: boolean;
  readonly #log: Logger | undefined;
  readonly #nodeId: string | null;
  readonly #claim: (id: string) => Promise<void>;
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
      /** The feed that serves a symbol (venue symbols have their venue's). */
      feed: (symbol: string) => FeedLabel;
      symbols: () => readonly string[];
      /** A venue symbol's filters and default fees from its venue (none for bare symbols). */
      venue?: (symbol: string) => Promise<VenueDefaults>;
      /** Tells live listeners about a new session. */
      announce?: (session: SessionSummary) => void;
      /** Most sessions this node runs at once (default unlimited). */
      maxSessions?: number;
      /** Whether a session may name its own alert targets (`webhooks`; default false). */
      sessionWebhooks?: boolean;
      log?: Logger;
      /** This node's name, shown with the sessions it runs. */
      nodeId?: string;
      /** Takes the session's lease before this node starts it (in a cluster). */
      claim?: (id: string) => Promise<void>;
    },
  ) {
    this.#table = new SessionTable(deps.db);
    this.#supervisor = deps.supervisor;
    this.#strategies = deps.strategies;
    this.#feed = deps.feed;
    this.#symbols = deps.symbols;
    this.#venue = deps.venue;
    this.#announce = deps.announce ?? (() => {});
    this.#maxSessions = deps.maxSessions ?? Infinity;
    this.#sessionWebhooks = deps.sessionWebhooks ?? false;
    this.#log = deps.log;
    this.#nodeId = deps.nodeId ?? null;
    this.#claim = deps.claim ?? (() => Promise.resolve());
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
    if (input.webhooks?.length && !this.#sessionWebhooks) {
      throw new ValidationError("invalid session request", [{
        path: "webhooks",
        message:
          "per-session alert targets are disabled on this service (WEBHOOK_ALLOW_SESSION_TARGETS=true enables them)",
      }]);
    }
    const symbols = input.symbols ?? [input.symbol!];
    const path = input.symbols ? "symbols" : "symbol";
    symbols.forEach((symbol, i) => {
      if (this.#symbols().includes(symbol)) return;
      throw new ValidationError("unknown symbol", [{
        path: input.symbols ? `symbols.${i}` : "symbol",
        message: `'${symbol}' is not traded here (available: ${this.#symbols().join(", ")})`,
      }]);
    });
    const { strategy, strategyId, source } = await this.#strategies.resolve(input.strategy, {
      sizing: input.sizing,
    });
    let execution = executionOf(input.initial_capital, input);
    for (const symbol of symbols) {
      execution = withVenue(execution, input, symbol, await this.#venue?.(symbol));
    }
    try {
      portfolioQuote(symbols, execution);
    } catch (error) {
      throw new ValidationError("mixed quote currencies", [{
        path,
        message: (error as Error).message,
      }]);
    }
    checkStrategySymbols(strategy, symbols);
    const portfolio = symbols.length > 1 ? { symbols } : {};
    const id = crypto.randomUUID();
    const feed = this.#feed(symbols[0]);
    await this.#withCapacity(async () => {
      const inserted = await this.#table.insert({
        id,
        strategyId,
        name: input.name ?? strategy.name,
        source,
        symbol: symbols[0],
        options: {
          execution,
          strategy,
          name: input.name,
          webhooks: input.webhooks,
          risk: input.risk,
          ...portfolio,
        },
        feed: feed.name,
        simulated: feed.simulated,
        idempotencyKey: key ?? null,
        requestDigest: digest,
      });
      // Another request with the same key got there first: that one starts the session.
      if (!inserted) return;
      await this.#claim(id);
      await this.#supervisor.start({
        id,
        symbol: symbols[0],
        ...portfolio,
        strategy,
        execution,
        seq: 0,
        risk: input.risk,
      });
    });
    const earlier = key === undefined ? undefined : await this.#byKey(key, digest!);
    if (earlier && earlier.id !== id) return { session: earlier, created: false };
    const session = await this.get(id);
    this.#announce(session);
    return { session, created: true };
  }

  /** The session created with idempotency key `key`, if any; 422 when its request differed. */
  async #byKey(key: string, digest: string): Promise<SessionSummary | undefined> {
    const row = await this.#table.byKey(key);
    if (!row) return undefined;
    if (row.request_digest !== digest) {
      throw new ValidationError(
        "Idempotency-Key already used",
        [{
          path: "Idempotency-Key",
          message:
            `'${key}' was used for a different request (session ${row.id}); use a new key for a new session`,
        }],
        422,
      );
    }
    return this.#summary(this.#remember(row));
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
    const { rows, total } = await this.#table.list({
      status: options.status,
      limit: options.limit ?? 50,
      offset: options.offset ?? 0,
    });
    return { sessions: rows.map((row) => this.#summary(row)), total };
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
    // Without a worker, only a stop of a failed session goes straight to stopped.
    const change = transition(row.status, command);
    if (change.ok && change.to === "stopped") {
      await this.#table.setStatus(id, change);
      return this.get(id);
    }
    if (row.status === "failed" && command === "resume") {
      await this.#withCapacity(async () => {
        await this.#claim(id);
        await this.#supervisor.start(specOf(row));
      });
      if (this.#supervisor.get(id)?.status === "paused") {
        await this.#supervisor.command(id, "resume");
      }
      return this.get(id);
    }
    throw new ConflictError(change.ok ? `session ${id} is not running` : change.reason);
  }

  /**
   * Force exit: cancels the session's open orders and flattens its position at
   * market; in a portfolio, only `symbol`'s when given (404 unknown, 400 a
   * symbol the session does not trade, 409 when it is stopped or failed: it
   * has no worker).
   */
  async close(id: string, symbol?: string): Promise<SessionSummary> {
    if (symbol !== undefined) await this.#ownSymbol(id, symbol, "symbol");
    await this.#act(id, { kind: "close", ...(symbol === undefined ? {} : { symbol }) });
    return this.get(id);
  }

  /**
   * `symbol` upper-cased when the session trades it (a 400 naming `path`
   * otherwise); a portfolio's order must name one of its symbols.
   */
  async #ownSymbol(id: string, symbol: string | undefined, path: string): Promise<string> {
    const row = await this.#row(id);
    const symbols = symbolsOf(row);
    if (symbol === undefined && symbols.length === 1) return symbols[0];
    const upper = symbol?.toUpperCase();
    if (upper !== undefined && symbols.includes(upper)) return upper;
    throw new ValidationError(symbol === undefined ? "symbol required" : "unknown symbol", [{
      path,
      message: symbol === undefined
        ? `this session trades several symbols: name one of ${symbols.join(", ")}`
        : `'${symbol}' is not traded by this session (it trades ${symbols.join(", ")})`,
    }]);
  }

  /**
   * A trader's order through the session's execution path, tagged `manual`
   * (422 with the reason when the engine rejects it).
   */
  async placeOrder(id: string, order: ManualOrder): Promise<Order> {
    const symbol = await this.#ownSymbol(id, order.symbol, "symbol");
    const placed = (await this.#act(id, { kind: "order", order: { ...order, symbol } })).order!;
    if (placed.status === "rejected") {
      throw new ValidationError(
        "order rejected",
        [{ path: "", message: placed.reason ?? "" }],
        422,
      );
    }
    return placed;
  }

  /** Cancels one open order of a session (404 when it has no open order with that id). */
  async cancelOrder(id: string, orderId: string): Promise<SessionSummary> {
    if (!(await this.#act(id, { kind: "cancel", order_id: orderId })).cancelled) {
      throw new NotFoundError(`session ${id} has no open order with id '${orderId}'`);
    }
    return this.get(id);
  }

  /**
   * An operator sets a session's trading state: `halted` (no new orders;
   * `flatten` closes the position), `reducing` (only reducing orders) or
   * `active` (404 unknown, 409 when it is not active). Audited as a risk event.
   */
  async setTradingState(
    id: string,
    state: TradingState,
    options: { flatten?: boolean } = {},
  ): Promise<SessionSummary> {
    await this.#act(id, { kind: "risk", state, rule: "manual", flatten: options.flatten });
    return this.get(id);
  }

  /**
   * A session's trading state and the limits it runs under (its strategy's,
   * its own, and the account-wide `account` caps combined).
   */
  async risk(id: string, account: RiskLimits): Promise<{ risk: RiskView; limits: RiskLimits }> {
    const row = await this.#row(id);
    return {
      risk: (await this.get(id)).risk,
      limits: effectiveLimits(row.options.strategy.risk, row.options.risk, account),
    };
  }

  /**
   * Applies an action to a live session: 404 unknown, 409 when it is not
   * active, 503 when it is active but has no worker here right now (being
   * restored, or just moved to another node of a cluster).
   */
  async #act(id: string, action: SessionAction): Promise<ActionResult> {
    if (!this.#supervisor.get(id)) {
      const row = await this.#row(id);
      if (ACTIVE_STATUSES.includes(row.status)) {
        throw new ServiceUnavailableError(
          `session ${id} is ${row.status} but not running on this node right now; try again`,
        );
      }
      throw new ConflictError(`cannot ${action.kind} a session that is ${row.status}`);
    }
    return await this.#supervisor.act(id, action);
  }

  /**
   * Stops a session, with `flatten` closing its position first (paused before,
   * so no signal opens a new one in between); says whether a position was
   * left open.
   */
  async stop(id: string, options: { flatten: boolean }): Promise<StoppedSummary> {
    const status = this.#supervisor.get(id)?.status;
    if (options.flatten && status !== undefined && status !== "failed") {
      if (status !== "paused") await this.command(id, "pause");
      await this.close(id);
    }
    const session = await this.command(id, "stop");
    return { ...session, position_left_open: holdsPosition(session) };
  }

  /** Current performance metrics of a session (live, or from its last durable state). */
  async metrics(id: string): Promise<SessionMetrics> {
    const row = await this.#row(id);
    const view = this.#supervisor.get(id)?.view ??
      (row.snapshot ? viewOf(row, row.snapshot) : undefined);
    const metrics = view?.metrics ??
      metricsOf(createMetrics({ initial_equity: Number(row.options.execution.initial_cash) }));
    if (!view?.per_symbol) return metrics;
    const perSymbol = Object.fromEntries(
      Object.entries(view.per_symbol).map(([symbol, s]) => [symbol, s.metrics]),
    );
    return { ...metrics, per_symbol: perSymbol };
  }

  /**
   * Brings back every session that was active when the service last stopped,
   * a few at a time; {@link restoreProgress} tells how far it is. Resolves when
   * every session has an outcome (running, failed, or still starting after the
   * start timeout).
   */
  async restoreAll(): Promise<RestoreProgress> {
    const rows = await this.#table.active();
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

  /**
   * Starts a stored active session on this node from its last durable state
   * (its lease already taken: a node of a cluster adopting it); false when it
   * did not come back (the reason is logged).
   */
  async adopt(id: string): Promise<boolean> {
    const row = await this.#table.get(id);
    return row ? await this.#restoreOne(row) : false;
  }

  /** Restores one session; false when it did not come back (the reason is logged). */
  async #restoreOne(row: SessionRow): Promise<boolean> {
    try {
      // A stop the last run did not finish is finished: its events up to it are durable.
      const stopped = transition(row.status, "stopped");
      if (stopped.ok) {
        await this.#table.setStatus(row.id, stopped);
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
    const row = await this.#table.get(id);
    if (!row) throw new NotFoundError(`no session with id '${id}'`);
    return this.#remember(row);
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
    const view = live?.view ?? (row.snapshot ? viewOf(row, row.snapshot) : undefined);
    const initial = Number(row.options.execution.initial_cash);
    return {
      id: row.id,
      name: row.strategy_name,
      strategy_id: row.strategy_id,
      symbol: row.symbol,
      symbols: symbolsOf(row),
      status: live?.status ?? row.status,
      feed: row.feed,
      simulated: row.simulated,
      created_at: row.created_at,
      last_error: live?.lastError ?? row.last_error,
      initial_capital: initial,
      ...(view ? viewFigures(view, initial) : {
        equity: initial,
        cash: initial,
        free_cash: initial,
        pnl: 0,
        realized_pnl: 0,
        unrealized_pnl: 0,
        total_return: 0,
        position: { quantity: 0, avg_price: 0 },
        last_price: null,
        trade_count: 0,
        fill_count: 0,
        conflicts: 0,
        per_symbol: null,
      }),
      warmup: live?.view?.warmup ?? null,
      restarts: live?.restarts ?? row.restarts ?? 0,
      restart_reason: live?.restartReason ?? row.restart_reason ?? null,
      lag_ms: roundOrNull(this.#supervisor.lagMs(row.id)),
      bus_gaps: live?.bus_gaps ?? 0,
      node: live ? this.#nodeId : row.node,
      risk: view?.risk ?? riskViewOf(undefined),
    };
  }
}

function roundOrNull(value: number | undefined): number | null {
  return value === undefined ? null : Math.round(value);
}

/** The symbols a stored session trades (a portfolio's are in its options). */
function symbolsOf(row: SessionRow): readonly string[] {
  return row.options.symbols ?? [row.symbol];
}

/** How to start a stored session again from its last durable state. */
function specOf(row: SessionRow): SessionSpec {
  return {
    id: row.id,
    symbol: row.symbol,
    ...(row.options.symbols ? { symbols: row.options.symbols } : {}),
    strategy: row.options.strategy,
    execution: resolveExecutionConfig(row.options.execution),
    snapshot: row.snapshot ?? undefined,
    seq: Number(row.seq ?? 0),
    restarts: row.restarts ?? 0,
    risk: row.options.risk,
  };
}

/** What a venue tells about a symbol: its filters and default fee rates. */
export interface VenueDefaults {
  readonly filters?: SymbolFilters;
  readonly fees?: { readonly maker: number; readonly taker: number };
}

/**
 * The execution settings with the venue's filters for the symbol (overrides
 * given in the request win) and its fees where the request gave none.
 */
function withVenue(
  execution: ExecutionConfig,
  input: SessionInput,
  symbol: string,
  venue: VenueDefaults | undefined,
): ExecutionConfig {
  if (!venue) return execution;
  return {
    ...execution,
    ...(venue.fees && input.fees?.maker === undefined ? { maker_fee: venue.fees.maker } : {}),
    ...(venue.fees && input.fees?.taker === undefined ? { taker_fee: venue.fees.taker } : {}),
    ...(venue.filters
      ? {
        filters: {
          ...execution.filters,
          [symbol]: { ...venue.filters, ...execution.filters?.[symbol] },
        },
      }
      : {}),
  };
}

/** The API view of a session that has no worker, from its last durable state. */
function viewOf(row: SessionRow, snapshot: SessionSnapshot): SessionView {
  const { symbol } = row;
  if (row.options.symbols && isPortfolioSnapshot(snapshot)) {
    const execution = resolveExecutionConfig(row.options.execution);
    const { strategy, symbols } = row.options;
    return new PortfolioCore({ symbols, strategy, execution }, snapshot).view();
  }
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
    conflicts: 0,
    risk: riskViewOf(snapshot.risk),
  };
}
