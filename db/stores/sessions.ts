/**
 * SQL of the sessions table: a session's settings as created, its status
 * record, and its last durable snapshot. {@link statusUpdate} is the one
 * statement that writes a session's status.
 */
import { type Db, sql, type Statement } from "../db.ts";
import type { RiskLimits } from "../../engine/core/risk/limits.ts";
import {
  ACTIVE_STATUSES,
  type SessionSnapshot,
  type SessionStatus,
  type StatusChange,
} from "../../engine/core/session/mod.ts";
import type { Strategy } from "../../engine/core/strategy/mod.ts";

/** A stored session with its last durable snapshot. */
export interface SessionRow {
  id: string;
  strategy_id: string | null;
  strategy_name: string;
  strategy_source: string;
  symbol: string;
  options: {
    execution: Record<string, unknown>;
    strategy: Strategy;
    name?: string;
    /** The session's own risk limits (overriding its strategy's). */
    risk?: RiskLimits;
    /** A portfolio session's symbols (`symbol` is the first). */
    symbols?: string[];
    /** The session's own alert targets. */
    webhooks?: string[];
  };
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
  /** The node holding an unexpired lease on the session (cluster only). */
  node: string | null;
}

/** A new session as stored. */
export interface NewSession {
  readonly id: string;
  readonly strategyId: string | null;
  readonly name: string;
  readonly source: string;
  readonly symbol: string;
  /** Settings (execution, strategy, name), stored as JSON. */
  readonly options: unknown;
  readonly feed: string;
  readonly simulated: boolean;
  readonly idempotencyKey: string | null;
  readonly requestDigest: string | null;
}

/** A session's status change as stored with it, with its last error and restarts. */
export interface StatusRecord {
  readonly sessionId: string;
  /** The transition that led to the status stored. */
  readonly change: StatusChange;
  /** Kept when undefined (the last error stays on record). */
  readonly lastError?: string;
  /** Kept when undefined. */
  readonly restarts?: number;
  /** Kept when undefined. */
  readonly restartReason?: string;
}

/**
 * The one statement that writes session statuses (alone, or as part of the
 * persister's commit, in order with the sessions' events).
 */
export function statusUpdate(
  records: readonly StatusRecord[],
  /** A condition on `x.session_id` the records must meet (the fencing check of a commit). */
  only: Statement = sql`true`,
): Statement {
  const rows = records.map((r) => ({
    session_id: r.sessionId,
    status: r.change.to,
    last_error: r.lastError ?? null,
    restarts: r.restarts ?? null,
    restart_reason: r.restartReason ?? null,
  }));
  return sql`update sessions s set status = x.status,
      last_error = coalesce(x.last_error, s.last_error),
      restarts = coalesce(x.restarts, s.restarts),
      restart_reason = coalesce(x.restart_reason, s.restart_reason),
      updated_at = now()
    from jsonb_to_recordset(${JSON.stringify(rows)}::text::jsonb)
      as x(session_id text, status text, last_error text, restarts integer, restart_reason text)
    where s.id = x.session_id and ${only}`;
}

/** Reads and writes the sessions table. */
export class SessionTable {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /**
   * Stores a new session as starting; false when another session already has
   * its idempotency key (that one wins).
   */
  async insert(session: NewSession): Promise<boolean> {
    const s = session;
    const inserted = await this.#db.query(sql`
      insert into sessions (id, strategy_id, strategy_name, strategy_source, symbol, options,
        status, feed, simulated, idempotency_key, request_digest)
      values (${s.id}, ${s.strategyId}, ${s.name}, ${s.source}, ${s.symbol},
        ${JSON.stringify(s.options)}::text::jsonb, 'starting', ${s.feed}, ${s.simulated},
        ${s.idempotencyKey}, ${s.requestDigest})
      on conflict (idempotency_key) do nothing
      returning id`);
    return inserted.length > 0;
  }

  /** The session with id `id`, if stored. */
  async get(id: string): Promise<SessionRow | undefined> {
    return (await this.#db.query<SessionRow>(sql`${SELECT} where s.id = ${id}`))[0];
  }

  /** The session created with idempotency key `key`, if any. */
  async byKey(key: string): Promise<SessionRow | undefined> {
    return (await this.#db.query<SessionRow>(sql`${SELECT} where s.idempotency_key = ${key}`))[0];
  }

  /** Sessions, newest first, optionally of one status, and how many there are in all. */
  async list(
    options: { status?: SessionStatus; limit: number; offset: number },
  ): Promise<{ rows: SessionRow[]; total: number }> {
    const filter = options.status ? sql`where s.status = ${options.status}` : sql``;
    const rows = await this.#db.query<SessionRow>(sql`${SELECT} ${filter}
      order by s.created_at desc, s.id limit ${options.limit} offset ${options.offset}`);
    const total = await this.#db.query<{ n: number }>(
      sql`select count(*)::int as n from sessions s ${filter}`,
    );
    return { rows, total: total[0].n };
  }

  /** Sessions in an active status (they had a worker when the service stopped). */
  active(): Promise<SessionRow[]> {
    return this.#db.query<SessionRow>(
      sql`${SELECT} where s.status = any(${ACTIVE_STATUSES as string[]})`,
    );
  }

  /** Stores a status change of a session that has no worker (a live one's goes with its events). */
  async setStatus(id: string, change: StatusChange): Promise<void> {
    await this.#db.query(statusUpdate([{ sessionId: id, change }]));
  }
}

const SELECT = sql`select s.id, s.strategy_id, s.strategy_name, s.strategy_source, s.symbol,
  s.options, s.status, s.feed, s.simulated, s.last_error, s.restarts, s.restart_reason,
  s.request_digest,
  to_char(s.created_at at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as created_at,
  snap.state as snapshot, snap.seq, lease.node_id as node
  from sessions s left join session_snapshots snap on snap.session_id = s.id
  left join session_leases lease on lease.session_id = s.id and lease.expires_at > now()`;
