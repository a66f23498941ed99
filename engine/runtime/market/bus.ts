/**
 * The in-process market-data bus protocol: one BroadcastChannel per symbol
 * (`md:SYMBOL`) carrying numbered batches of events and periodic heartbeats
 * with the last sequence number. Across machines this becomes a real message
 * bus; the message shapes stay.
 */
import type { BookTop, MarketEvent } from "../../core/types.ts";

/** What a batch carries: market events, and the symbol's L2 book (top levels) after each update. */
export type BusEvent = MarketEvent | BookTop;

/** A numbered batch of one symbol's events (seq 1, 2, 3… per symbol). */
export interface BusBatch {
  symbol: string;
  seq: number;
  events: BusEvent[];
}

/** A batch as it travels on a channel, packed by bus_codec.ts. */
export interface PackedBatch {
  readonly symbol: string;
  readonly seq: number;
  /** Rows: trade `[0, id, price, qty, time, buyerMaker, 0]`, quote `[1, updateId, bid, bidQty, ask, askQty, time]`, other `[2, index into extras, …]`. */
  readonly rows: Float64Array;
  readonly extras: BusEvent[];
}

/** Sent every few hundred ms: the last seq published, so lost trailing batches are noticed. */
export interface BusHeartbeat {
  symbol: string;
  seq: number;
  heartbeat: true;
}

/** What travels on a symbol's channel (batches packed, see bus_codec.ts). */
export type BusMessage = PackedBatch | BusHeartbeat;

/**
 * The BroadcastChannel name of a symbol: `md:SYMBOL`, or `md:NAMESPACE:SYMBOL`
 * when several hubs share one process (channels are process-wide, across workers).
 */
export function busChannelName(symbol: string, namespace?: string): string {
  return namespace ? `md:${namespace}:${symbol}` : `md:${symbol}`;
}
