/**
 * The common part of the byte-level recording parsers (CSV dumps, stream
 * JSONL): splits pushed chunks into lines without a string per line, lets the
 * format's fast path write canonical trade lines into a {@link TradeBatch},
 * and hands every other line, decoded, to the format's line parser, so each
 * line means exactly what it means to {@link readRecording}.
 *
 * @module
 */
import type { BookTop, MarketEvent } from "../../core/types.ts";
import type { DropReason } from "./binance_protocol.ts";
import { type BatchSink, TradeBatch } from "./trade_batch.ts";

const NL = 10, CR = 13;
const LAST_NL = new Uint8Array([NL]);

/** Parses the bytes of one recording, pushed chunk by chunk; call {@link end} after the last. */
export abstract class LineBatchParser {
  /** The batch the fast path writes rows into (see {@link addTrade}). */
  protected readonly batch: TradeBatch;
  readonly #sink: BatchSink;
  readonly #decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  #carry: Uint8Array = new Uint8Array(0);
  /** Before the first line (which may begin with a byte order mark). */
  #start = true;

  constructor(sink: BatchSink, symbol: string, capacity = 65_536) {
    this.#sink = sink;
    this.batch = new TradeBatch(symbol, capacity);
  }

  /**
   * Writes the line starting at `start` into the batch when it is a trade in
   * the format's canonical form and returns the index after its newline (the
   * line ends with one); -1 when the line needs {@link fast} or the line parser.
   */
  protected abstract fastLine(bytes: Uint8Array, start: number): number;

  /**
   * Another fast path for a line `[start, end)` (no line ending) that
   * {@link fastLine} refused (or the first line, after a byte order mark);
   * false when the line needs the line parser.
   */
  protected fast(_bytes: Uint8Array, _start: number, _end: number): boolean {
    return false;
  }

  /** The line parser: a line's event (unchecked), why it is dropped, or undefined to skip it. */
  protected abstract slow(line: string): MarketEvent | BookTop | DropReason | undefined;

  /** Takes the next bytes of the file (the chunk may be reused by the caller afterwards). */
  push(chunk: Uint8Array): void {
    let from = 0;
    if (this.#carry.length > 0) {
      const nl = chunk.indexOf(NL);
      if (nl < 0) {
        this.#carry = concat(this.#carry, chunk);
        return;
      }
      const line = concat(this.#carry, chunk.subarray(0, nl + 1));
      this.#carry = new Uint8Array(0);
      this.#lines(line, 0, line.length - 1);
      from = nl + 1;
    }
    const last = chunk.lastIndexOf(NL);
    if (last >= from) {
      this.#lines(chunk, from, last);
      from = last + 1;
    }
    if (from < chunk.length) this.#carry = chunk.slice(from);
    this.flush();
  }

  /** The file ended: parses a last line without a newline and passes on the rest. */
  end(): void {
    if (this.#carry.length > 0) {
      const line = concat(this.#carry, LAST_NL);
      this.#lines(line, 0, line.length - 1);
    }
    this.#carry = new Uint8Array(0);
    this.flush();
  }

  /** Appends a trade row of `symbol` (a batch holds one symbol: another one flushes it first). */
  protected addTrade(
    symbol: string,
    id: number,
    price: number,
    qty: number,
    time: number,
    buyerMaker: number,
  ): void {
    const batch = this.batch;
    if (symbol !== batch.symbol) {
      this.flush();
      batch.symbol = symbol;
    }
    const row = batch.count++;
    batch.id[row] = id;
    batch.price[row] = price;
    batch.qty[row] = qty;
    batch.time[row] = time;
    batch.buyerMaker[row] = buyerMaker;
    if (batch.count === batch.capacity) this.flush();
  }

  /** Passes an event built outside the batch (after the rows before it, in file order). */
  protected addEvent(event: MarketEvent | BookTop): void {
    this.flush();
    this.#sink.event(event);
  }

  /** Passes on the rows of the batch. */
  protected flush(): void {
    if (this.batch.count === 0) return;
    this.#sink.trades(this.batch);
    this.batch.count = 0;
  }

  /** Parses the lines `[from, last]` of `bytes` (`bytes[last]` is a newline) in one pass. */
  #lines(bytes: Uint8Array, from: number, last: number): void {
    if (this.#start) { // the first line may begin with a byte order mark
      const nl = bytes.indexOf(NL, from);
      this.#line(bytes, from, nl);
      from = nl + 1;
    }
    while (from <= last) {
      const next = this.fastLine(bytes, from);
      if (next >= 0) {
        from = next;
        continue;
      }
      const nl = bytes.indexOf(NL, from);
      this.#line(bytes, from, nl);
      from = nl + 1;
    }
  }

  /** Parses bytes `[start, end)` (no newline) as one line. */
  #line(bytes: Uint8Array, start: number, end: number): void {
    if (this.#start) {
      this.#start = false;
      const bom = end - start >= 3 && bytes[start] === 0xef && bytes[start + 1] === 0xbb &&
        bytes[start + 2] === 0xbf;
      if (bom) start += 3;
    }
    if (end > start && bytes[end - 1] === CR) end--;
    if (end > start && this.fast(bytes, start, end)) return;
    const parsed = this.slow(this.#decoder.decode(bytes.subarray(start, end)));
    if (parsed === undefined) return;
    if (typeof parsed === "string") {
      this.flush(); // keep file order
      this.#sink.drop(parsed);
    } else this.addEvent(parsed);
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
