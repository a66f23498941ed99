/**
 * SQL of the alert outbox: one row per alert and target, written with the
 * events the alert describes ({@link alertInsert} is a fragment of the
 * session log's commit) and delivered at least once by the dispatcher, which
 * claims due rows under a lease, so a row claimed by a process that died is
 * claimed again once the lease runs out.
 */
import type { AlertItem, AlertStatus } from "../../contract/mod.ts";
import { type Db, sql, type Statement } from "../db.ts";

export type { AlertStatus };

/** An alert about to be stored: the same key for every target. */
export interface NewAlert {
  /** Stable per alert (the receiver's idempotency key). */
  readonly key: string;
  readonly kind: string;
  /** The session the alert is about; null for service-wide alerts (feed outages, kill switch). */
  readonly sessionId: string | null;
  /** When the event happened (epoch ms, exchange time for session events). */
  readonly time: number;
  readonly data: unknown;
}

/** Where alerts go: the global targets, and whether each session's own `webhooks` count too. */
export interface AlertTargets {
  readonly global: readonly string[];
  readonly perSession: boolean;
}

/** An outbox row claimed for delivery (`attempts`: those before this one). */
export type ClaimedAlert = Pick<
  AlertItem,
  "key" | "target" | "kind" | "session_id" | "time" | "data" | "attempts"
>;

/** An outbox row as the API lists it. */
export type AlertRow = AlertItem;

/** Counts of the outbox and its latest failure. */
export interface OutboxStats {
  readonly pending: number;
  /** Pending rows whose last attempt failed. */
  readonly failing: number;
  readonly failed: number;
  readonly delivered: number;
  readonly oldest_pending_at: string | null;
  readonly last_error:
    | { readonly target: string; readonly error: string; readonly at: string }
    | null;
}

/**
 * The statement (or CTE body) that stores `alerts` once per target: the
 * global ones and, when allowed, the `webhooks` stored with the alert's
 * session. `where` (a condition on `x.session_id`) leaves alerts out, e.g.
 * those of sessions whose writes a commit refused. Storing the same alerts
 * again changes nothing.
 */
export function alertInsert(
  alerts: readonly NewAlert[],
  targets: AlertTargets,
  where: Statement = sql`true`,
): Statement {
  const rows = alerts.map((a) => ({
    key: a.key,
    kind: a.kind,
    session_id: a.sessionId,
    time: a.time,
    data: a.data,
  }));
  const perSession = targets.perSession
    ? sql`union
      select w.value from sessions s
        cross join lateral jsonb_array_elements_text(coalesce(s.options -> 'webhooks', '[]'::jsonb)) w
        where s.id = x.session_id`
    : sql``;
  return sql`insert into alert_outbox (key, target, kind, session_id, time, data)
    select x.key, t.target, x.kind, x.session_id, x.time, x.data
    from jsonb_to_recordset(${JSON.stringify(rows)}::text::jsonb)
      as x(key text, kind text, session_id text, time bigint, data jsonb)
    cross join lateral (
      select g.value as target from jsonb_array_elements_text(${
    JSON.stringify(targets.global)
  }::text::jsonb) g
      ${perSession}
    ) t
    where ${where}
    on conflict do nothing`;
}

/** Advisory lock key that makes claims take turns across processes (each sees what the others hold). */
const CLAIM_LOCK = 72_617_002;

/** Reads and updates the alert outbox. */
export class AlertOutbox {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Stores alerts outside a session commit (e.g. a feed outage). */
  async add(alerts: readonly NewAlert[], targets: AlertTargets): Promise<void> {
    if (alerts.length > 0) await this.#db.query(alertInsert(alerts, targets));
  }

  /**
   * Claims up to `limit` due pending rows, oldest due first, for `leaseMs`:
   * until then (or until its outcome is recorded) no other claim returns
   * them. With `perTarget`, a target gets at most that many rows less those
   * held by any claim, of any process, so every target with due rows is
   * served, however many another has, and one target never gets more at
   * once. Claims take turns (an advisory lock for the transaction).
   */
  async claim(
    limit: number,
    leaseMs: number,
    options: { perTarget?: number } = {},
  ): Promise<ClaimedAlert[]> {
    const perTarget = options.perTarget ?? limit;
    const rows = await this.#db.transaction(async (tx) => {
      await tx.query(sql`select pg_advisory_xact_lock(${CLAIM_LOCK})`);
      return await tx.query<ClaimedAlert>(sql`
      update alert_outbox o set next_attempt_at = due.until, claimed_until = due.until
      from (
        select c.key, c.target, now() + make_interval(secs => ${leaseMs}::float8 / 1000) as until
        from (
          select distinct target from alert_outbox
          where status = 'pending' and next_attempt_at <= now()
        ) t
        cross join lateral (
          select key, target, next_attempt_at from alert_outbox a
          where a.target = t.target and a.status = 'pending' and a.next_attempt_at <= now()
          order by a.next_attempt_at
          limit greatest(${perTarget}::int - (
            select count(*)::int from alert_outbox h
            where h.target = t.target and h.claimed_until > now() and h.status = 'pending'
          ), 0)
          for update skip locked
        ) c
        order by c.next_attempt_at
        limit ${limit}::int
      ) due
      where o.key = due.key and o.target = due.target
      returning o.key, o.target, o.kind, o.session_id, o.time, o.data, o.attempts`);
    });
    return rows.map((r) => ({ ...r, time: Number(r.time) }));
  }

  /** Marks a row delivered. */
  async delivered(key: string, target: string): Promise<void> {
    await this.#db.query(sql`
      update alert_outbox set status = 'delivered', attempts = attempts + 1,
        last_attempt_at = now(), delivered_at = now(), last_error = null, claimed_until = null
      where key = ${key} and target = ${target}`);
  }

  /** Records a failed attempt: retried after `retryMs`, or given up (`failed`) when `retryMs` is null. */
  async attemptFailed(
    key: string,
    target: string,
    failure: { error: string; retryMs: number | null },
  ): Promise<void> {
    const status: AlertStatus = failure.retryMs === null ? "failed" : "pending";
    await this.#db.query(sql`
      update alert_outbox set status = ${status}, attempts = attempts + 1,
        last_attempt_at = now(), last_error = ${failure.error}, claimed_until = null,
        next_attempt_at = now() + make_interval(secs => ${failure.retryMs ?? 0}::float8 / 1000)
      where key = ${key} and target = ${target}`);
  }

  /** Rows newest first, optionally of one status and of one session. */
  async list(
    options: { status?: AlertStatus; sessionId?: string; limit: number; offset: number },
  ): Promise<AlertRow[]> {
    const status = options.status ? sql`status = ${options.status}` : sql`true`;
    const session = options.sessionId ? sql`session_id = ${options.sessionId}` : sql`true`;
    const rows = await this.#db.query<AlertRow>(sql`
      select key, target, kind, session_id, time, data, status, attempts,
        next_attempt_at, last_attempt_at, last_error, created_at, delivered_at
      from alert_outbox where ${status} and ${session}
      order by created_at desc, key desc, target
      limit ${options.limit}::int offset ${options.offset}::int`);
    return rows.map((r) => ({
      ...r,
      time: Number(r.time),
      next_attempt_at: iso(r.next_attempt_at)!,
      last_attempt_at: iso(r.last_attempt_at),
      created_at: iso(r.created_at)!,
      delivered_at: iso(r.delivered_at),
    }));
  }

  /** Counts by status and the latest failed attempt. */
  async stats(): Promise<OutboxStats> {
    const [counts] = await this.#db.query<Record<string, unknown>>(sql`
      select
        count(*) filter (where status = 'pending') as pending,
        count(*) filter (where status = 'pending' and attempts > 0) as failing,
        count(*) filter (where status = 'failed') as failed,
        count(*) filter (where status = 'delivered') as delivered,
        min(created_at) filter (where status = 'pending') as oldest_pending_at
      from alert_outbox`);
    const [last] = await this.#db.query<{ target: string; last_error: string; at: unknown }>(sql`
      select target, last_error, last_attempt_at as at from alert_outbox
      where last_error is not null
      order by last_attempt_at desc limit 1`);
    return {
      pending: Number(counts.pending),
      failing: Number(counts.failing),
      failed: Number(counts.failed),
      delivered: Number(counts.delivered),
      oldest_pending_at: iso(counts.oldest_pending_at),
      last_error: last ? { target: last.target, error: last.last_error, at: iso(last.at)! } : null,
    };
  }

  /** Deletes delivered rows older than `ageMs`; returns how many. */
  async prune(ageMs: number): Promise<number> {
    const rows = await this.#db.query(sql`
      delete from alert_outbox
      where status = 'delivered' and delivered_at < now() - make_interval(secs => ${ageMs}::float8 / 1000)
      returning 1`);
    return rows.length;
  }
}

/** A timestamp column as ISO-8601 (drivers answer Date or text). */
function iso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return new Date(value as string | Date).toISOString();
}
