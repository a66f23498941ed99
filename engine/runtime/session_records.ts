/**
 * Read queries over a session's durable history: fills, closed trades,
 * orders, equity samples and signals.
 */
import type { Db } from "../../db/mod.ts";
import { SessionRecordTable } from "../../db/stores/mod.ts";
import type { Page } from "../../contract/mod.ts";
import type { ClosedTrade, Fill, Order } from "../core/execution/mod.ts";
import type { SessionEffect } from "../core/session/mod.ts";
import type { RiskEvent } from "../core/risk/mod.ts";
import { NotFoundError } from "./errors.ts";

export type { Page };

/** Paging options (limit ≤ 1000). */
export interface PageOptions {
  readonly limit?: number;
  readonly offset?: number;
}

/** Queries over the event log and its read models; an unknown session is a {@link NotFoundError}. */
export class SessionRecords {
  readonly #table: SessionRecordTable;

  constructor(db: Db) {
    this.#table = new SessionRecordTable(db);
  }

  /** Fills (executions), oldest first. */
  async fills(id: string, page: PageOptions = {}): Promise<Page<Fill>> {
    await this.#exists(id);
    const window = bounds(page);
    return { ...await this.#table.fills(id, window), ...window };
  }

  /** Round trips (entry to exit), oldest first. */
  async closedTrades(id: string, page: PageOptions = {}): Promise<Page<ClosedTrade>> {
    await this.#exists(id);
    const window = bounds(page);
    return { ...await this.#table.closedTrades(id, window), ...window };
  }

  /** Orders in their latest state, newest first. */
  async orders(id: string, page: PageOptions = {}): Promise<Page<Order>> {
    await this.#exists(id);
    const window = bounds(page);
    return { ...await this.#table.orders(id, window), ...window };
  }

  /** Equity samples, oldest first (at most the last `limit`, default 1000). */
  async equity(
    id: string,
    options: { limit?: number } = {},
  ): Promise<{ time: number; equity: number }[]> {
    await this.#exists(id);
    return await this.#table.equity(id, Math.min(options.limit ?? 1000, 10_000));
  }

  /** The last risk events (default 100): trading-state changes and refused orders, newest first. */
  async riskEvents(id: string, options: { limit?: number } = {}): Promise<RiskEvent[]> {
    await this.#exists(id);
    return await this.#table.riskEvents(id, Math.min(options.limit ?? 100, 1000));
  }

  /** The last signals (default 100), newest first, with what was done about them. */
  async signals(id: string, options: { limit?: number } = {}): Promise<SessionEffect[]> {
    await this.#exists(id);
    return await this.#table.signals(id, Math.min(options.limit ?? 100, 1000));
  }

  async #exists(id: string): Promise<void> {
    if (!await this.#table.exists(id)) throw new NotFoundError(`no session with id '${id}'`);
  }
}

function bounds(page: PageOptions): { limit: number; offset: number } {
  return {
    limit: Math.max(1, Math.min(page.limit ?? 100, 1000)),
    offset: Math.max(0, page.offset ?? 0),
  };
}
