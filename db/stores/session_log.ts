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
import type { Order } from "../../engine/core/execution/mod.ts";
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

/** A column of a list of rows: its SQL type and its values, one per row. */
interface Column {
  readonly type: "text" | "bigint" | "float8" | "json";
  readonly values: readonly (string | number | null | undefined)[];
  /** The values are JSON documents, passed as one text (see {@link relation}). */
  readonly documents?: true;
}

const text = (values: Column["values"]): Column => ({ type: "text", values });
const bigint = (values: Column["values"]): Column => ({ type: "bigint", values });
const float8 = (values: Column["values"]): Column => ({ type: "float8", values });
/** JSON documents, each the text of one, stored as `type` (json, or the text itself). */
const documents = (values: readonly string[], type: "json" | "text" = "json"): Column => ({
  type,
  values,
  documents: true,
});

/**
 * A list of rows, as the relation `x` with the given columns, from one
 * parameter per column: a typed array, unnested with the others. The
 * database reads numbers and ids without parsing JSON, and each JSON document
 * once, as it is stored. Documents go in as one text (not a text[], where
 * each would be quoted and escaped), split at U+001E, which JSON text never
 * holds (control characters in strings are escaped). A number that is not
 * finite becomes null, as JSON would have it, for a not-null column to refuse.
 */
function relation(columns: Record<string, Column>): Statement {
  const names = Object.keys(columns);
  const params: unknown[] = [];
  const arrays = names.map((name) => {
    const { type, values } = columns[name];
    if (columns[name].documents) {
      params.push(values.join("\x1e"));
      return `string_to_array($${params.length}::text, chr(30))`;
    }
    params.push(
      type === "text"
        ? values.map((v) => v ?? null)
        : values.map((v) => Number.isFinite(v) ? v : null),
    );
    return `$${params.length}::${type}[]`;
  });
  const select = names.map((n) => columns[n].documents ? `${n}::${columns[n].type} as ${n}` : n);
  return {
    text: `(select ${select.join(", ")} from unnest(${arrays.join(", ")}) as u(${
      names.join(", ")
    })) as x`,
    params,
  };
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
 *
 * Each list goes in as typed arrays, one per column, unnested together: the
 * database reads numbers and ids without parsing JSON, and each JSON document
 * (event, order, closed trade, snapshot) only once, as it is stored.
 */
function commitStatement(
  entries: readonly LogWrite[],
  fences: ReadonlyMap<string, number>,
  outbox?: (allowed: Statement) => Statement,
): Statement {
  const events = rows(entries, (w, effect, seq) => ({ sessionId: w.sessionId, seq, effect }));
  // Only the latest state of each order matters; later events in the batch win.
  const latest = new Map<string, { sessionId: string; order: Order }>();
  for (const w of entries) {
    for (const e of w.effects) {
      if (e.type === "order") {
        latest.set(`${w.sessionId}/${e.order.id}`, { sessionId: w.sessionId, order: e.order });
      }
    }
  }
  const orders = [...latest.values()];
  const fills = rows(
    entries,
    (w, e) => e.type === "fill" ? { sessionId: w.sessionId, fill: e.fill } : undefined,
  );
  const trades = rows(
    entries,
    (w, e) => e.type === "trade_closed" ? { sessionId: w.sessionId, trade: e.trade } : undefined,
  );
  const samples = rows(
    entries,
    (w, e) =>
      e.type === "equity" ? { sessionId: w.sessionId, time: e.time, equity: e.equity } : undefined,
  );
  // The latest snapshot (JSON text already: passed through, never parsed) and status of each session.
  const latestSnapshots = new Map<string, { sessionId: string; seq: number; state: string }>();
  const statuses = new Map<string, StatusRecord>();
  for (const w of entries) {
    if (w.snapshot) {
      const seq = w.firstSeq + w.effects.length - 1;
      latestSnapshots.set(w.sessionId, { sessionId: w.sessionId, seq, state: w.snapshot });
    }
    if (w.status) statuses.set(w.sessionId, { ...w.status, sessionId: w.sessionId });
  }
  const snapshots = [...latestSnapshots.values()];
  const allowed = sql`x.session_id not in (select session_id from refused)`;
  return sql`
    with fence as (
      select session_id, token from ${
    relation({ session_id: text([...fences.keys()]), token: bigint([...fences.values()]) })
  }
    ), held as (
      select l.session_id from session_leases l
        join fence f on f.session_id = l.session_id and f.token = l.token
      for share of l
    ), refused as (
      select session_id from fence except select session_id from held
    ), new_events as (
      insert into session_events (session_id, seq, type, time, payload)
      select session_id, seq, type, time, payload
      from ${
    relation({
      session_id: text(events.map((r) => r.sessionId)),
      seq: bigint(events.map((r) => r.seq)),
      type: text(events.map((r) => r.effect.type)),
      time: bigint(events.map((r) => r.effect.time)),
      payload: documents(events.map((r) => JSON.stringify(r.effect)), "text"),
    })
  }
      where ${allowed}
      on conflict do nothing
    ), new_orders as (
      insert into orders (session_id, id, status, body, updated_at)
      select session_id, id, status, body, updated_at
      from ${
    relation({
      session_id: text(orders.map((r) => r.sessionId)),
      id: text(orders.map((r) => r.order.id)),
      status: text(orders.map((r) => r.order.status)),
      body: documents(orders.map((r) => JSON.stringify(r.order))),
      updated_at: bigint(orders.map((r) => r.order.updated_at)),
    })
  }
      where ${allowed}
      on conflict (session_id, id) do update
        set status = excluded.status, body = excluded.body, updated_at = excluded.updated_at
    ), new_fills as (
      insert into fills (session_id, id, order_id, symbol, side, price, quantity, fee, liquidity, slippage, time, tag)
      select session_id, id, order_id, symbol, side, price, quantity, fee, liquidity, slippage, time, tag
      from ${
    relation({
      session_id: text(fills.map((r) => r.sessionId)),
      id: text(fills.map((r) => r.fill.id)),
      order_id: text(fills.map((r) => r.fill.order_id)),
      symbol: text(fills.map((r) => r.fill.symbol)),
      side: text(fills.map((r) => r.fill.side)),
      price: float8(fills.map((r) => r.fill.price)),
      quantity: float8(fills.map((r) => r.fill.quantity)),
      fee: float8(fills.map((r) => r.fill.fee)),
      liquidity: text(fills.map((r) => r.fill.liquidity)),
      slippage: float8(fills.map((r) => r.fill.slippage)),
      time: bigint(fills.map((r) => r.fill.time)),
      tag: text(fills.map((r) => r.fill.tag)),
    })
  }
      where ${allowed}
      on conflict do nothing
    ), new_trades as (
      insert into closed_trades (session_id, id, body, exit_time)
      select session_id, id, body, exit_time
      from ${
    relation({
      session_id: text(trades.map((r) => r.sessionId)),
      id: text(trades.map((r) => r.trade.id)),
      body: documents(trades.map((r) => JSON.stringify(r.trade))),
      exit_time: bigint(trades.map((r) => r.trade.exit_time)),
    })
  }
      where ${allowed}
      on conflict do nothing
    ), new_samples as (
      insert into equity_samples (session_id, time, equity)
      select session_id, time, equity
      from ${
    relation({
      session_id: text(samples.map((r) => r.sessionId)),
      time: bigint(samples.map((r) => r.time)),
      equity: float8(samples.map((r) => r.equity)),
    })
  }
      where ${allowed}
      on conflict do nothing
    ), new_snapshots as (
      insert into session_snapshots (session_id, seq, state, updated_at)
      select session_id, seq, state, now()
      from ${
    relation({
      session_id: text(snapshots.map((r) => r.sessionId)),
      seq: bigint(snapshots.map((r) => r.seq)),
      state: documents(snapshots.map((r) => r.state)),
    })
  }
      where ${allowed}
      on conflict (session_id) do update
        set seq = excluded.seq, state = excluded.state, updated_at = now()
        where session_snapshots.seq <= excluded.seq
    ), new_statuses as (${statusUpdate([...statuses.values()], allowed)})${
    outbox ? sql`, new_alerts as (${outbox(allowed)})` : sql``
  }
    select session_id from refused`;
}
