/**
 * The in-process market-data bus protocol: per symbol, numbered batches of
 * events in a shared ring (bus_ring.ts) that every worker reads; the ring's
 * header also carries the hub's heartbeat. Across machines this becomes a
 * real message bus; the batch shapes stay.
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
