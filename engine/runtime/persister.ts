/**
 * Group commit of session events: everything queued while one transaction
 * runs goes into the next one, so many sessions' events and snapshots become
 * durable together, off the sessions' hot path. A batch's promise resolves
 * only once it is committed: callers report fills after that, never before.
 */
import { type Db, type Queryable, sql, type Statement } from "../../db/mod.ts";
import type { SessionEffect, SessionSnapshot } from "../core/session/mod.ts";

/** One session's effects with their sequence numbers and the state after them. */
export interface SessionWrite {
  readonly sessionId: string;
  /** Sequence number of `effects[0]`; the rest follow consecutively. */
  readonly firstSeq: number;
  readonly effects: readonly SessionEffect[];
  /** Snapshot covering every effect up to `firstSeq + effects.length − 1`. */
  readonly snapshot?: SessionSnapshot;
}

interface Pending {
  readonly write: SessionWrite;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** Largest number of writes committed in one transaction. */
const MAX_BATCH = 2_000;

/** Writes session events and snapshots in batched transactions. */
export class Persister {
  readonly #db: Db;
  #queue: Pending[] = [];
  #flushing: Promise<void> | undefined;
  #stats = { transactions: 0, writes: 0, events: 0 };

  constructor(db: Db) {
    this.#db = db;
  }

  /** Queues a write; resolves when it is committed. */
  write(write: SessionWrite): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ write, resolve, reject });
      this.#flushing ??= this.#drain();
    });
  }

  /** Resolves when everything queued so far is committed. */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  /** Counters for health and benchmarks. */
  stats(): { transactions: number; writes: number; events: number; queued: number } {
    return { ...this.#stats, queued: this.#queue.length };
  }

  async #drain(): Promise<void> {
    // Let writes queued in the same turn join this transaction.
    await new Promise((resolve) => setTimeout(resolve, 0));
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, MAX_BATCH);
      try {
        await this.#db.transaction((tx) => writeBatch(tx, batch.map((p) => p.write)));
        this.#stats.transactions++;
        this.#stats.writes += batch.length;
        for (const pending of batch) {
          this.#stats.events += pending.write.effects.length;
          pending.resolve();
        }
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      }
    }
    this.#flushing = undefined;
  }
}

function rows<T>(
  writes: readonly SessionWrite[],
  pick: (w: SessionWrite, e: SessionEffect, seq: number) => T | undefined,
): T[] {
  const out: T[] = [];
  for (const write of writes) {
    write.effects.forEach((effect, i) => {
      const row = pick(write, effect, write.firstSeq + i);
      if (row !== undefined) out.push(row);
    });
  }
  return out;
}

async function writeBatch(tx: Queryable, writes: readonly SessionWrite[]): Promise<void> {
  // The statements are independent: sent together, they cost one round trip, not one each.
  const statements: Statement[] = [];
  const events = rows(writes, (w, e, seq) => ({
    session_id: w.sessionId,
    seq,
    type: e.type,
    time: e.time,
    payload: e,
  }));
  if (events.length > 0) {
    statements.push(sql`
      insert into session_events (session_id, seq, type, time, payload)
      select session_id, seq, type, time, payload
      from jsonb_to_recordset(${JSON.stringify(events)}::text::jsonb)
        as x(session_id text, seq bigint, type text, time bigint, payload jsonb)
      on conflict do nothing`);
  }

  // Only the latest state of each order matters; later events in the batch win.
  const orders = new Map<string, unknown>();
  for (const w of writes) {
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
  if (orders.size > 0) {
    statements.push(sql`
      insert into orders (session_id, id, status, body, updated_at)
      select session_id, id, status, body, updated_at
      from jsonb_to_recordset(${JSON.stringify([...orders.values()])}::text::jsonb)
        as x(session_id text, id text, status text, body jsonb, updated_at bigint)
      on conflict (session_id, id) do update
        set status = excluded.status, body = excluded.body, updated_at = excluded.updated_at`);
  }

  const fills = rows(
    writes,
    (w, e) => e.type === "fill" ? { session_id: w.sessionId, ...e.fill } : undefined,
  );
  if (fills.length > 0) {
    statements.push(sql`
      insert into fills (session_id, id, order_id, symbol, side, price, quantity, fee, liquidity, slippage, time, tag)
      select session_id, id, order_id, symbol, side, price, quantity, fee, liquidity, slippage, time, tag
      from jsonb_to_recordset(${JSON.stringify(fills)}::text::jsonb)
        as x(session_id text, id text, order_id text, symbol text, side text, price float8,
             quantity float8, fee float8, liquidity text, slippage float8, time bigint, tag text)
      on conflict do nothing`);
  }

  const trades = rows(
    writes,
    (w, e) =>
      e.type === "trade_closed"
        ? { session_id: w.sessionId, id: e.trade.id, body: e.trade, exit_time: e.trade.exit_time }
        : undefined,
  );
  if (trades.length > 0) {
    statements.push(sql`
      insert into closed_trades (session_id, id, body, exit_time)
      select session_id, id, body, exit_time
      from jsonb_to_recordset(${JSON.stringify(trades)}::text::jsonb)
        as x(session_id text, id text, body jsonb, exit_time bigint)
      on conflict do nothing`);
  }

  const samples = rows(
    writes,
    (w, e) =>
      e.type === "equity" ? { session_id: w.sessionId, time: e.time, equity: e.equity } : undefined,
  );
  if (samples.length > 0) {
    statements.push(sql`
      insert into equity_samples (session_id, time, equity)
      select session_id, time, equity
      from jsonb_to_recordset(${JSON.stringify(samples)}::text::jsonb)
        as x(session_id text, time bigint, equity float8)
      on conflict do nothing`);
  }

  const snapshots = new Map<string, { session_id: string; seq: number; state: SessionSnapshot }>();
  for (const w of writes) {
    if (w.snapshot) {
      snapshots.set(w.sessionId, {
        session_id: w.sessionId,
        seq: w.firstSeq + w.effects.length - 1,
        state: w.snapshot,
      });
    }
  }
  if (snapshots.size > 0) {
    statements.push(sql`
      insert into session_snapshots (session_id, seq, state, updated_at)
      select session_id, seq, state, now()
      from jsonb_to_recordset(${JSON.stringify([...snapshots.values()])}::text::jsonb)
        as x(session_id text, seq bigint, state jsonb)
      on conflict (session_id) do update
        set seq = excluded.seq, state = excluded.state, updated_at = now()
        where session_snapshots.seq <= excluded.seq`);
  }
  await Promise.all(statements.map((statement) => tx.query(statement)));
}
