/**
 * Real session writes for persister tests: a {@link SessionCore} running the
 * fast EMA cross over a wave of trades, its effects cut into writes, each
 * with the snapshot right after it.
 */
import { type Db, sql } from "../../db/mod.ts";
import { resolveExecutionConfig } from "../../engine/core/execution/mod.ts";
import { SessionCore, type SessionEffect } from "../../engine/core/session/mod.ts";
import { parseStrategy } from "../../engine/core/strategy/mod.ts";
import type { SessionWrite } from "../../engine/runtime/persister.ts";
import { waveTrades } from "./trades.ts";

const parsed = parseStrategy(
  await Deno.readTextFile(new URL("../../strategies/ema_cross_fast.yaml", import.meta.url)),
);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));

/** Writes of session `sessionId`: one per `tradesPerWrite` trades that had effects, seq from 1. */
export function sessionWrites(
  sessionId: string,
  options: { trades?: number; tradesPerWrite?: number } = {},
): SessionWrite[] {
  const core = new SessionCore({
    symbol: "BTCUSDT",
    strategy: parsed.ok ? parsed.strategy : (undefined as never),
    execution: resolveExecutionConfig({ initial_cash: 10_000 }),
  });
  const trades = waveTrades({ count: options.trades ?? 4_000 });
  const per = options.tradesPerWrite ?? 200;
  const writes: SessionWrite[] = [];
  let seq = 1;
  for (let i = 0; i < trades.length; i += per) {
    const effects: SessionEffect[] = [];
    for (const trade of trades.slice(i, i + per)) core.step(trade, effects);
    if (effects.length === 0) continue;
    writes.push({ sessionId, firstSeq: seq, effects, snapshot: JSON.stringify(core.state()) });
    seq += effects.length;
  }
  return writes;
}

/** Inserts a bare session row for `id` (the event log and read models reference it). */
export async function insertSessionRow(db: Db, id: string): Promise<void> {
  await db.query(sql`insert into sessions (id, strategy_name, strategy_source, symbol, options,
    status, feed, simulated) values (${id}, 'test', '', 'BTCUSDT', '{}'::jsonb, 'running', 'sim', true)`);
}

/** The event sequence numbers stored for a session, in order, and its snapshot's seq. */
export async function storedLog(
  db: Db,
  id: string,
): Promise<{ seqs: number[]; snapshotSeq: number | undefined; fills: number }> {
  const events = await db.query<{ seq: number }>(
    sql`select seq from session_events where session_id = ${id} order by seq`,
  );
  const snapshot = await db.query<{ seq: number }>(
    sql`select seq from session_snapshots where session_id = ${id}`,
  );
  const fills = await db.query<{ n: number }>(
    sql`select count(*)::int as n from fills where session_id = ${id}`,
  );
  return {
    seqs: events.map((e) => Number(e.seq)),
    snapshotSeq: snapshot.length ? Number(snapshot[0].seq) : undefined,
    fills: fills[0].n,
  };
}
