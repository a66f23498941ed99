/**
 * The wire format of bus batches: trades and quotes packed into one
 * Float64Array (a row of {@link STRIDE} numbers per event), other events kept
 * as objects beside it. Cloning a typed array is a copy of bytes, where
 * cloning an array of event objects costs about 20× more per event for every
 * receiving worker.
 */
import type { BusBatch, BusEvent, PackedBatch } from "./bus.ts";

/** Numbers per event row. */
const STRIDE = 7;
const TRADE = 0;
const QUOTE = 1;
const OTHER = 2;

/** Packs a batch for the channel. */
export function packBatch(batch: BusBatch): PackedBatch {
  const rows = new Float64Array(batch.events.length * STRIDE);
  const extras: BusEvent[] = [];
  for (let i = 0, r = 0; i < batch.events.length; i++, r += STRIDE) {
    const e = batch.events[i];
    if (e.type === "trade") {
      rows[r] = TRADE;
      rows[r + 1] = e.id;
      rows[r + 2] = e.price;
      rows[r + 3] = e.qty;
      rows[r + 4] = e.time;
      rows[r + 5] = e.buyerMaker ? 1 : 0;
    } else if (e.type === "quote") {
      rows[r] = QUOTE;
      rows[r + 1] = e.updateId;
      rows[r + 2] = e.bid;
      rows[r + 3] = e.bidQty;
      rows[r + 4] = e.ask;
      rows[r + 5] = e.askQty;
      rows[r + 6] = e.time;
    } else {
      rows[r] = OTHER;
      rows[r + 1] = extras.push(e) - 1;
    }
  }
  return { symbol: batch.symbol, seq: batch.seq, rows, extras };
}

/** Restores the events of a packed batch, in order. */
export function unpackBatch(packed: PackedBatch): BusBatch {
  const { rows, symbol } = packed;
  const events: BusEvent[] = new Array(rows.length / STRIDE);
  for (let i = 0, r = 0; r < rows.length; i++, r += STRIDE) {
    const kind = rows[r];
    events[i] = kind === TRADE
      ? {
        type: "trade",
        symbol,
        id: rows[r + 1],
        price: rows[r + 2],
        qty: rows[r + 3],
        time: rows[r + 4],
        buyerMaker: rows[r + 5] === 1,
      }
      : kind === QUOTE
      ? {
        type: "quote",
        symbol,
        updateId: rows[r + 1],
        bid: rows[r + 2],
        bidQty: rows[r + 3],
        ask: rows[r + 4],
        askQty: rows[r + 5],
        time: rows[r + 6],
      }
      : packed.extras[rows[r + 1]];
  }
  return { symbol, seq: packed.seq, events };
}
