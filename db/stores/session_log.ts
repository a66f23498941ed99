/**
 * SQL of the session event log: one statement commits a batch of sessions'
 * events with their read models (orders, fills, closed trades, equity
 * samples), snapshots and statuses.
 *
 * One statement per batch is deliberate: atomic by itself, one round trip,
 * and no interactive transaction for a failing connection to break (a
 * driver that sends ROLLBACK on a dead socket hangs).
 */
import { type Db, prepared, sql, type Statement } from "../db.ts";
import type { SessionEffect } from "../../engine/core/session/mod.ts";
import { alertInsert, type AlertTargets, type NewAlert } from "./alerts.ts";
import { type StatusRecord, statusUpdate } from "./sessions.ts";

/** One session's effects with their sequence numbers, the state after them and its status. */
export interface LogWrite {
  readonly sessionId: string;
  /** Sequence number of `effects[0]`; the rest follow consecutively. */
  readonly firstSeq: number;
  readonly effects: readonly SessionEffect[];
  /**
   * Snapshot covering every effect up to `firstSeq + effects.length − 1`, as
   * JSON text of a `SessionSnapshot` (serialised where it was taken, so
   * the main thread only passes it through).
   */
  readonly snapshot?: string;
  /** The session's status after these effects. */
  readonly status?: Omit<StatusRecord, "sessionId">;
}

/** The alerts a batch of writes describes, stored in the outbox in the same statement. */
export interface LogAlerts {
  readonly targets: AlertTargets;
  of(writes: readonly LogWrite[]): readonly NewAlert[];
  /** Called once alerts were committed. */
  committed(): void;
}

/** Appends to the session event log. */
export class SessionLog {
  readonly #db: Db;
  readonly #alerts: LogAlerts | undefined;

  /** `alerts` adds the alerts the writes describe to the outbox, atomically with them. */
  constructor(db: Db, options: { alerts?: LogAlerts } = {}) {
    this.#db = db;
    this.#alerts = options.alerts;
  }

  /**
   * Commits `writes` in one statement; committing the same writes twice
   * changes nothing. With `fences` (session id → lease token, in a cluster),
   * a session's writes land only if its lease still has that token (checked
   * and locked in the same statement); returns the ids of the sessions whose
   * writes were refused for that reason.
   */
  async commit(
    writes: readonly LogWrite[],
    fences: ReadonlyMap<string, number> = new Map(),
  ): Promise<string[]> {
    const alerts = this.#alerts?.of(writes) ?? [];
    const outbox = alerts.length > 0
      ? (allowed: Statement) => alertInsert(alerts, this.#alerts!.targets, allowed)
      : undefined;
    // Prepared: its text is the same for every batch, so PGlite plans it once, not per commit.
    const rows = await this.#db.query<{ session_id: string }>(
      prepared(commitStatement(writes, fences, outbox)),
    );
    if (alerts.length > 0) this.#alerts!.committed();
    return rows.map((r) => r.session_id);
  }
}

/** `pick` applied to every effect of every entry (with its sequence number), undefined results left out. */
function rows<T>(
  entries: readonly LogWrite[],
  pick: (entry: LogWrite, effect: SessionEffect, seq: number) => T | undefined,
): T[] {
  const out: T[] = [];
  for (const entry of entries) {
    entry.effects.forEach((effect, i) => {
      const row = pick(entry, effect, entry.firstSeq + i);
      if (row !== undefined) out.push(row);
    });
  }
  return out;
}

/**
 * One statement that writes a batch: the event log, the read models (orders,
 * fills, closed trades, equity samples), the latest snapshot and status of
 * each session. Every insert is idempotent (keyed by session and sequence
 * number or id) and a snapshot never replaces a later one, so committing the
 * same batch twice changes nothing. Writes of a session whose fencing token
 * is no longer its lease's are left out (`refused`; the lease row is locked
 * for share, so a takeover waits for this commit or this commit sees it).
 * `outbox` (an alert outbox insert, given the filter of allowed sessions) is
 * committed with them.
 */
function commitStatement(
  entries: readonly LogWrite[],
  fences: ReadonlyMap<string, number>,
  outbox?: (allowed: Statement) => Statement,
): Statement {
  const events = rows(entries, (w, e, seq) => ({
    session_id: w.sessionId,
    seq,
    type: e.type,
    time: e.time,
    payload: e,
  }));
  // Only the latest state of each order matters; later events in the batch win.
  const orders = new Map<string, unknown>();
  for (const w of entries) {
    for (const e of w.effects) {
      if (e.type !== "order") continue;
      const { id, status, updated_at } = e.order;
      orders.set(`${w.sessionId}/${id}`, {
        session_id: w.sessionId,
        id,
        status,
        body: e.order,
        updated_at,
      });
    }
  }
  const fills = rows(
    entries,
    (w, e) => e.type === "fill" ? { session_id: w.sessionId, ...e.fill } : undefined,
  );
  const trades = rows(
    entries,
    (w, e) =>
      e.type === "trade_closed"
        ? { session_id: w.sessionId, id: e.trade.id, body: e.trade, exit_time: e.trade.exit_time }
        : undefined,
  );
  const samples = rows(
    entries,
    (w, e) =>
      e.type === "equity" ? { session_id: w.sessionId, time: e.time, equity: e.equity } : undefined,
  );
  // Each snapshot is JSON text already: spliced into the list, never parsed and serialised again.
  const snapshots = new Map<string, string>();
  const statuses = new Map<string, StatusRecord>();
  for (const w of entries) {
    if (w.snapshot) {
      const seq = w.firstSeq + w.effects.length - 1;
      snapshots.set(
        w.sessionId,
        `{"session_id":${JSON.stringify(w.sessionId)},"seq":${seq},"state":${w.snapshot}}`,
      );
    }
    if (w.status) statuses.set(w.sessionId, { ...w.status, sessionId: w.sessionId });
  }
  const json = (list: Iterable<unknown>) => JSON.stringify([...list]);
  const fenceRows = [...fences].map(([session_id, token]) => ({ session_id, token }));
  const allowed = sql`x.session_id not in (select session_id from refused)`;
  return sql`
    with fence as (
      select session_id, token from json_to_recordset(${json(fenceRows)}::text::json)
        as f(session_id text, token bigint)
    ), held as (
      select l.session_id from session_leases l
        join fence f on f.session_id = l.session_id and f.token = l.token
      for share of l
    ), refused as (
      select session_id from fence except select session_id from held
    ), new_events as (
      insert into session_events (session_id, seq, type, time, payload)
      select session_id, seq, type, time, payload
      from json_to_recordset(${json(events)}::text::json)
        as x(session_id text, seq bigint, type text, time bigint, payload json)
      where ${allowed}
      on conflict do nothing
    ), new_orders as (
      insert into orders (session_id, id, status, body, updated_at)
      select session_id, id, status, body, updated_at
      from json_to_recordset(${json(orders.values())}::text::json)
        as x(session_id text, id text, status text, body json, updated_at bigint)
      where ${allowed}
      on conflict (session_id, id) do update
        set status = excluded.status, body = excluded.body, updated_at = excluded.updated_at
    ), new_fills as (
      insert into fills (session_id, id, order_id, symbol, side, price, quantity, fee, liquidity, slippage, time, tag)
      select session_id, id, order_id, symbol, side, price, quantity, fee, liquidity, slippage, time, tag
      from json_to_recordset(${json(fills)}::text::json)
        as x(session_id text, id text, order_id text, symbol text, side text, price float8,
             quantity float8, fee float8, liquidity text, slippage float8, time bigint, tag text)
      where ${allowed}
      on conflict do nothing
    ), new_trades as (
      insert into closed_trades (session_id, id, body, exit_time)
      select session_id, id, body, exit_time
      from json_to_recordset(${json(trades)}::text::json)
        as x(session_id text, id text, body json, exit_time bigint)
      where ${allowed}
      on conflict do nothing
    ), new_samples as (
      insert into equity_samples (session_id, time, equity)
      select session_id, time, equity
      from json_to_recordset(${json(samples)}::text::json)
        as x(session_id text, time bigint, equity float8)
      where ${allowed}
      on conflict do nothing
    ), new_snapshots as (
      insert into session_snapshots (session_id, seq, state, updated_at)
      select session_id, seq, state, now()
      from json_to_recordset(${`[${[...snapshots.values()].join(",")}]`}::text::json)
        as x(session_id text, seq bigint, state json)
      where ${allowed}
      on conflict (session_id) do update
        set seq = excluded.seq, state = excluded.state, updated_at = now()
        where session_snapshots.seq <= excluded.seq
    ), new_statuses as (${statusUpdate([...statuses.values()], allowed)})${
    outbox ? sql`, new_alerts as (${outbox(allowed)})` : sql``
  }
    select session_id from refused`;
}
