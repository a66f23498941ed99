/**
 * SQL of a session's durable history: fills, closed trades, orders, equity
 * samples and signals (the read models the persister writes).
 */
import { type Db, sql, type Statement } from "../db.ts";
import type { ClosedTrade, Fill, Order } from "../../engine/core/execution/mod.ts";
import type { SessionEffect } from "../../engine/core/session/mod.ts";
import type { RiskEvent } from "../../engine/core/risk/events.ts";

/** Rows of one page and how many there are in all. */
export interface Rows<T> {
  readonly items: T[];
  readonly total: number;
}

/** A page's window: how many rows from which offset. */
export interface Window {
  readonly limit: number;
  readonly offset: number;
}

/** Reads a session's history. */
export class SessionRecordTable {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Whether a session with id `id` is stored. */
  async exists(id: string): Promise<boolean> {
    return (await this.#db.query(sql`select 1 from sessions where id = ${id}`)).length > 0;
  }

  /** Fills (executions), oldest first; fills of one moment (legs) in the order they happened (f9 before f10). */
  async fills(id: string, { limit, offset }: Window): Promise<Rows<Fill>> {
    const items = await this.#db.query<Fill>(sql`
      select id, order_id, symbol, side, price, quantity, fee, liquidity, slippage, time, tag
      from fills where session_id = ${id} order by time, length(id), id
      limit ${limit} offset ${offset}`);
    const total = await this.#count(
      sql`select count(*)::int as n from fills where session_id = ${id}`,
    );
    return { items: items.map((f) => ({ ...f, time: Number(f.time) })), total };
  }

  /** Round trips (entry to exit), oldest first. */
  async closedTrades(id: string, { limit, offset }: Window): Promise<Rows<ClosedTrade>> {
    const rows = await this.#db.query<{ body: ClosedTrade }>(sql`
      select body from closed_trades where session_id = ${id}
      order by exit_time, id limit ${limit} offset ${offset}`);
    const total = await this.#count(
      sql`select count(*)::int as n from closed_trades where session_id = ${id}`,
    );
    return { items: rows.map((r) => r.body), total };
  }

  /** Orders in their latest state, newest first. */
  async orders(id: string, { limit, offset }: Window): Promise<Rows<Order>> {
    const rows = await this.#db.query<{ body: Order }>(sql`
      select body from orders where session_id = ${id}
      order by updated_at desc, id desc limit ${limit} offset ${offset}`);
    const total = await this.#count(
      sql`select count(*)::int as n from orders where session_id = ${id}`,
    );
    return { items: rows.map((r) => r.body), total };
  }

  /** The last `limit` equity samples, oldest first. */
  async equity(id: string, limit: number): Promise<{ time: number; equity: number }[]> {
    const rows = await this.#db.query<{ time: number; equity: number }>(sql`
      select time, equity from (
        select time, equity from equity_samples where session_id = ${id}
        order by time desc limit ${limit}) e
      order by time`);
    return rows.map((r) => ({ time: Number(r.time), equity: Number(r.equity) }));
  }

  /** The last `limit` risk events (state changes, refused orders), newest first. */
  async riskEvents(id: string, limit: number): Promise<RiskEvent[]> {
    const rows = await this.#db.query<{ payload: string }>(sql`
      select payload from session_events where session_id = ${id} and type = 'risk'
      order by seq desc limit ${limit}`);
    return rows.map((r) => JSON.parse(r.payload));
  }

  /** The last `limit` signals, newest first. */
  async signals(id: string, limit: number): Promise<SessionEffect[]> {
    const rows = await this.#db.query<{ payload: string }>(sql`
      select payload from session_events where session_id = ${id} and type = 'signal'
      order by seq desc limit ${limit}`);
    return rows.map((r) => JSON.parse(r.payload));
  }

  async #count(statement: Statement): Promise<number> {
    return (await this.#db.query<{ n: number }>(statement))[0].n;
  }
}
