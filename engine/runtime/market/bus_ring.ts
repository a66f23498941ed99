/**
 * One symbol's bus batches in shared memory: the hub writes each batch once
 * into a ring in a SharedArrayBuffer, and every worker reads it from there
 * (no copy per worker). Readers are woken through `Atomics.waitAsync` on the
 * published sequence number. The hub also bumps a heartbeat counter in the
 * header: a reader that sees it stand still knows the hub is down (or its
 * thread stalled), without any message channel. And it records there the
 * newest batch of the ring that a completed hub flush published: every other
 * symbol's events the hub took before that batch are then published in their
 * own rings (what a reader merging several symbols by time waits for).
 *
 * Lossless by construction: a batch is never changed once published, only
 * overwritten when the ring wraps, and a reader notices that (the slot holds
 * a later seq, or the writer has reserved the space the batch was read from)
 * instead of reading torn data; it then recovers the batch from the hub's
 * retained copies. A batch larger than the whole ring is published as such a
 * slot directly.
 *
 * Memory order (also on weakly ordered CPUs): the sequence words (published
 * and flushed seq, each slot's seq, the reserved end) are only read and written through
 * `Atomics`. The writer invalidates a slot and reserves space with
 * read-modify-writes (`Atomics.exchange`), which act as full fences, so both
 * are visible before any of the data it then overwrites; it publishes with
 * `Atomics.store` after writing. A reader copies the data with plain loads,
 * then fences with an `Atomics` read-modify-write of its own before it reads
 * the slot's seq and the reserved end again: the copy is ordered before that
 * check, so a copy that saw overwritten data always fails it.
 *
 * Layout: Int32 published seq, Int32 heartbeat counter, Int32 flushed seq,
 * Int32 padding, BigInt64 reserved end (doubles ever written), Float64 slot
 * count, then `slots` × Int32 slot
 * seq (0 = being written), padded to 8 bytes, then `slots` × Float64
 * [start, length], then the data ring of `capacity` Float64. Positions are
 * absolute (counted since the start); the ring index is the position modulo
 * the capacity.
 *
 * Encoding per event (Float64): trade `[0, id, price, qty, time, buyerMaker]`,
 * quote `[1, updateId, bid, bidQty, ask, askQty, time]`, book `[2, updateId,
 * time, bids, asks, (price, qty)…]`, candle `[3, timeframe index, openTime,
 * closeTime, open, high, low, close, volume, closed]`.
 */
import { type BookTop, type Level, TIMEFRAMES } from "../../core/types.ts";
import type { BusEvent } from "./bus.ts";

/** Ring sizes. */
export interface BusRingSize {
  /** Batches addressable at once (default 4096). */
  readonly slots?: number;
  /** Float64 numbers of event data (default 2^20 = 8 MiB). */
  readonly capacity?: number;
}

const HEADER_BYTES = 32;
const PUBLISHED = 0, BEAT = 1, FLUSHED = 2;
const META = 2;
const TRADE = 0, QUOTE = 1, BOOK = 2, CANDLE = 3;

function layout(sab: SharedArrayBuffer) {
  const head = new Int32Array(sab, 0, 3);
  const reserved = new BigInt64Array(sab, 16, 1);
  const slotCount = new Float64Array(sab, 24, 1)[0];
  const seqs = new Int32Array(sab, HEADER_BYTES, slotCount);
  const metaOffset = HEADER_BYTES + Math.ceil(slotCount / 2) * 8;
  const meta = new Float64Array(sab, metaOffset, slotCount * META);
  const data = new Float64Array(sab, metaOffset + slotCount * META * 8);
  return { head, reserved, slotCount, seqs, meta, data };
}

/** Allocates an empty ring. */
export function createBusRing(size: BusRingSize = {}): SharedArrayBuffer {
  const slots = size.slots ?? 4096;
  const capacity = size.capacity ?? 1 << 20;
  if (!(slots >= 2 && capacity >= 16)) {
    throw new RangeError(`bus ring too small: ${slots} slots, ${capacity} numbers`);
  }
  const sab = new SharedArrayBuffer(
    HEADER_BYTES + Math.ceil(slots / 2) * 8 + slots * META * 8 + capacity * 8,
  );
  new Float64Array(sab, 24, 1)[0] = slots;
  return sab;
}

/** The writing end (the hub): one writer per ring. */
export class BusRingWriter {
  readonly buffer: SharedArrayBuffer;
  readonly #ring: ReturnType<typeof layout>;
  #scratch = new Float64Array(1024);
  #end = 0;

  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.#ring = layout(buffer);
  }

  /** Writes batch `seq` (the next one), publishes it and wakes the readers. */
  write(seq: number, events: readonly BusEvent[]): void {
    const { head, reserved, slotCount, seqs, meta, data } = this.#ring;
    const length = this.#encode(events);
    const slot = seq % slotCount;
    // A reader of the slot's old batch sees it change (a fence before the writes below).
    Atomics.exchange(seqs, slot, 0);
    if (length <= data.length) {
      const start = this.#end;
      this.#end += length;
      // Reserved before the data is overwritten (a fence too): readers of that data see it.
      Atomics.exchange(reserved, 0, BigInt(this.#end));
      const at = start % data.length;
      const first = Math.min(length, data.length - at);
      data.set(this.#scratch.subarray(0, first), at);
      if (first < length) data.set(this.#scratch.subarray(first, length), 0);
      meta[slot * META] = start;
    } else {
      meta[slot * META] = -1; // too large for the ring: readers recover it from the hub
    }
    meta[slot * META + 1] = length;
    Atomics.store(seqs, slot, seq);
    Atomics.store(head, PUBLISHED, seq);
    Atomics.notify(head, PUBLISHED);
  }

  /**
   * Records that the hub flush which published batch `seq` (the newest) has
   * completed: every batch it published in any ring is visible to a reader
   * that sees this one.
   */
  flushed(seq: number): void {
    Atomics.store(this.#ring.head, FLUSHED, seq);
  }

  /** Bumps the heartbeat counter: readers take a counter standing still as the hub being down. */
  beat(): void {
    Atomics.add(this.#ring.head, BEAT, 1);
  }

  #encode(events: readonly BusEvent[]): number {
    let n = 0;
    const put = (value: number) => {
      if (n === this.#scratch.length) {
        const grown = new Float64Array(n * 2);
        grown.set(this.#scratch);
        this.#scratch = grown;
      }
      this.#scratch[n++] = value;
    };
    const levels = (side: readonly Level[]) => {
      for (const [price, qty] of side) put(price), put(qty);
    };
    for (const e of events) {
      if (e.type === "trade") {
        put(TRADE), put(e.id), put(e.price), put(e.qty), put(e.time), put(e.buyerMaker ? 1 : 0);
      } else if (e.type === "quote") {
        put(QUOTE), put(e.updateId), put(e.bid), put(e.bidQty), put(e.ask), put(e.askQty);
        put(e.time);
      } else if (e.type === "book") {
        put(BOOK), put(e.updateId), put(e.time), put(e.bids.length), put(e.asks.length);
        levels(e.bids), levels(e.asks);
      } else {
        put(CANDLE), put(TIMEFRAMES.indexOf(e.timeframe)), put(e.openTime), put(e.closeTime);
        put(e.open), put(e.high), put(e.low), put(e.close), put(e.volume), put(e.closed ? 1 : 0);
      }
    }
    return n;
  }
}

/** A reading end (one per worker and symbol). */
export class BusRingReader {
  readonly #symbol: string;
  readonly #ring: ReturnType<typeof layout>;
  /** This reader's own word for the fence between copying a batch and checking it. */
  readonly #fence = new Int32Array(new SharedArrayBuffer(4));

  constructor(buffer: SharedArrayBuffer, symbol: string) {
    this.#symbol = symbol;
    this.#ring = layout(buffer);
  }

  /** The seq of the newest published batch (0 before the first). */
  published(): number {
    return Atomics.load(this.#ring.head, PUBLISHED);
  }

  /**
   * The newest batch of this ring published by a completed hub flush (0
   * before one). Read it before other rings' {@link published}: those then
   * count every batch that flush published.
   */
  flushed(): number {
    return Atomics.load(this.#ring.head, FLUSHED);
  }

  /** The hub's heartbeat counter (it moves while the hub is alive). */
  beats(): number {
    return Atomics.load(this.#ring.head, BEAT);
  }

  /**
   * Resolves once a batch after `seq` is published (at once when one is);
   * `timeoutMs` bounds the wait.
   */
  wait(seq: number, timeoutMs: number): Promise<unknown> {
    const result = Atomics.waitAsync(this.#ring.head, PUBLISHED, seq, timeoutMs);
    return result.async ? result.value : Promise.resolve();
  }

  /** Wakes every reader waiting on this ring (they find nothing new and wait again). */
  wake(): void {
    Atomics.notify(this.#ring.head, PUBLISHED);
  }

  /**
   * The events of published batch `seq`, or undefined when the ring no longer
   * holds it (overwritten: recover it from the hub).
   */
  read(seq: number): BusEvent[] | undefined {
    const { reserved, slotCount, seqs, meta, data } = this.#ring;
    const slot = seq % slotCount;
    if (Atomics.load(seqs, slot) !== seq) return undefined;
    const start = meta[slot * META];
    const length = meta[slot * META + 1];
    if (start < 0) return undefined;
    const copy = new Float64Array(length);
    const at = start % data.length;
    const first = Math.min(length, data.length - at);
    copy.set(data.subarray(at, at + first));
    if (first < length) copy.set(data.subarray(0, length - first), first);
    // Fence: the copy above is complete before the checks below (see the module comment).
    Atomics.add(this.#fence, 0, 1);
    // Nothing overwrote it meanwhile: the slot still holds it, and the writer has not reserved its space.
    if (Atomics.load(seqs, slot) !== seq) return undefined;
    if (Number(Atomics.load(reserved, 0)) - start > data.length) return undefined;
    return this.#decode(copy);
  }

  #decode(rows: Float64Array): BusEvent[] {
    const symbol = this.#symbol;
    const out: BusEvent[] = [];
    let r = 0;
    const levels = (count: number): Level[] => {
      const side: Level[] = new Array(count);
      for (let i = 0; i < count; i++, r += 2) side[i] = [rows[r], rows[r + 1]];
      return side;
    };
    while (r < rows.length) {
      const kind = rows[r];
      if (kind === TRADE) {
        out.push({
          type: "trade",
          symbol,
          id: rows[r + 1],
          price: rows[r + 2],
          qty: rows[r + 3],
          time: rows[r + 4],
          buyerMaker: rows[r + 5] === 1,
        });
        r += 6;
      } else if (kind === QUOTE) {
        out.push({
          type: "quote",
          symbol,
          updateId: rows[r + 1],
          bid: rows[r + 2],
          bidQty: rows[r + 3],
          ask: rows[r + 4],
          askQty: rows[r + 5],
          time: rows[r + 6],
        });
        r += 7;
      } else if (kind === BOOK) {
        const updateId = rows[r + 1], time = rows[r + 2], bids = rows[r + 3], asks = rows[r + 4];
        r += 5;
        const book: BookTop = {
          type: "book",
          symbol,
          updateId,
          time,
          bids: levels(bids),
          asks: levels(asks),
        };
        out.push(book);
      } else {
        out.push({
          type: "candle",
          symbol,
          timeframe: TIMEFRAMES[rows[r + 1]],
          openTime: rows[r + 2],
          closeTime: rows[r + 3],
          open: rows[r + 4],
          high: rows[r + 5],
          low: rows[r + 6],
          close: rows[r + 7],
          volume: rows[r + 8],
          closed: rows[r + 9] === 1,
        });
        r += 10;
      }
    }
    return out;
  }
}
