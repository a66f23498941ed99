/**
 * The in-process market-data bus protocol: per symbol, numbered batches of
 * events in a shared ring (bus_ring.ts) that every worker reads, and a
 * BroadcastChannel (`md:SYMBOL`) carrying periodic heartbeats with the last
 * sequence number. Across machines this becomes a real message bus; the
 * batch shapes stay.
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

/** Sent on the symbol's channel every few hundred ms: the last seq published (wakes readers that missed it). */
export interface BusHeartbeat {
  symbol: string;
  seq: number;
  heartbeat: true;
}

/**
 * The BroadcastChannel name of a symbol: `md:SYMBOL`, or `md:NAMESPACE:SYMBOL`
 * when several hubs share one process (channels are process-wide, across workers).
 */
export function busChannelName(symbol: string, namespace?: string): string {
  return namespace ? `md:${namespace}:${symbol}` : `md:${symbol}`;
}
