/**
 * Read queries over a session's durable history: fills, closed trades,
 * orders, equity samples and signals.
 */
import { type Db, sql } from "../../db/mod.ts";
import type { Page } from "../../contract/mod.ts";
import type { ClosedTrade, Fill, Order } from "../core/execution/mod.ts";
import type { SessionEffect } from "../core/session/mod.ts";
import { NotFoundError } from "./errors.ts";

export type { Page };

/** Paging options (limit ≤ 1000). */
export interface PageOptions {
  readonly limit?: number;
  readonly offset?: number;
}

/** Queries over the event log and its read models. */
export class SessionRecords {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Fills (executions), oldest first. */
  async fills(id: string, page: PageOptions = {}): Promise<Page<Fill>> {
    await this.#exists(id);
    const { limit, offset } = bounds(page);
    const items = await this.#db.query<Fill>(sql`
      select id, order_id, symbol, side, price, quantity, fee, liquidity, slippage, time, tag
      from fills where session_id = ${id} order by time, id limit ${limit} offset ${offset}`);
    const total = await this.#count(
      sql`select count(*)::int as n from fills where session_id = ${id}`,
    );
    return { items: items.map((f) => ({ ...f, time: Number(f.time) })), total, limit, offset };
  }

  /** Round trips (entry to exit), oldest first. */
  async closedTrades(id: string, page: PageOptions = {}): Promise<Page<ClosedTrade>> {
    await this.#exists(id);
    const { limit, offset } = bounds(page);
    const rows = await this.#db.query<{ body: ClosedTrade }>(sql`
      select body from closed_trades where session_id = ${id}
      order by exit_time, id limit ${limit} offset ${offset}`);
    const total = await this.#count(
      sql`select count(*)::int as n from closed_trades where session_id = ${id}`,
    );
    return { items: rows.map((r) => r.body), total, limit, offset };
  }

  /** Orders in their latest state, newest first. */
  async orders(id: string, page: PageOptions = {}): Promise<Page<Order>> {
    await this.#exists(id);
    const { limit, offset } = bounds(page);
    const rows = await this.#db.query<{ body: Order }>(sql`
      select body from orders where session_id = ${id}
      order by updated_at desc, id desc limit ${limit} offset ${offset}`);
    const total = await this.#count(
      sql`select count(*)::int as n from orders where session_id = ${id}`,
    );
    return { items: rows.map((r) => r.body), total, limit, offset };
  }

  /** Equity samples, oldest first (at most the last `limit`, default 1000). */
  async equity(
    id: string,
    options: { limit?: number } = {},
  ): Promise<{ time: number; equity: number }[]> {
    await this.#exists(id);
    const rows = await this.#db.query<{ time: number; equity: number }>(sql`
      select time, equity from (
        select time, equity from equity_samples where session_id = ${id}
        order by time desc limit ${Math.min(options.limit ?? 1000, 10_000)}) e
      order by time`);
    return rows.map((r) => ({ time: Number(r.time), equity: Number(r.equity) }));
  }

  /** The last signals (default 100), newest first, with what was done about them. */
  async signals(id: string, options: { limit?: number } = {}): Promise<SessionEffect[]> {
    await this.#exists(id);
    const rows = await this.#db.query<{ payload: SessionEffect }>(sql`
      select payload from session_events where session_id = ${id} and type = 'signal'
      order by seq desc limit ${Math.min(options.limit ?? 100, 1000)}`);
    return rows.map((r) => r.payload);
  }

  async #exists(id: string): Promise<void> {
    const rows = await this.#db.query(sql`select 1 from sessions where id = ${id}`);
    if (rows.length === 0) throw new NotFoundError(`no session with id '${id}'`);
  }

  async #count(statement: ReturnType<typeof sql>): Promise<number> {
    return (await this.#db.query<{ n: number }>(statement))[0].n;
  }
}

function bounds(page: PageOptions): { limit: number; offset: number } {
  return {
    limit: Math.max(1, Math.min(page.limit ?? 100, 1000)),
    offset: Math.max(0, page.offset ?? 0),
  };
}
