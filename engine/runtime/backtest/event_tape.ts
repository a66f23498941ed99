/**
 * Recorded events of one symbol held in memory column by column, for runs
 * that replay the same data many times (sweep workers): a trade costs 33
 * bytes (four Float64 columns and a byte) instead of an object of about 130.
 * Once trimmed, the columns live in one `SharedArrayBuffer`, so workers
 * replay the very same memory (see {@link EventTape.share}), with no copy.
 *
 * @module
 */
import type { TradeColumns } from "../../core/market/mod.ts";
import type { MarketEvent, Trade } from "../../core/types.ts";

const INITIAL = 4096;

/** A trimmed tape as it crosses to a worker: the trade columns shared, the few other events cloned. */
export interface SharedTape {
  readonly symbol: string;
  readonly trades: number;
  /** `trades` Float64 ids, prices, quantities and times, then `trades` maker bytes. */
  readonly buffer: SharedArrayBuffer;
  readonly others: readonly { readonly at: number; readonly event: MarketEvent }[];
}

/** What a tape replays into: its trades a run of rows at a time, the other events one by one. */
export interface TapeSink {
  /** Rows `start` to `end` (exclusive) of the trade columns. */
  trades(columns: TradeColumns, start: number, end: number): void;
  event(event: MarketEvent): void;
}

/** Events in file order: trades in typed arrays, the few other events (klines, quotes) as objects. */
export class EventTape {
  #id: Float64Array<ArrayBufferLike> = new Float64Array(INITIAL);
  #price: Float64Array<ArrayBufferLike> = new Float64Array(INITIAL);
  #qty: Float64Array<ArrayBufferLike> = new Float64Array(INITIAL);
  #time: Float64Array<ArrayBufferLike> = new Float64Array(INITIAL);
  #maker: Uint8Array<ArrayBufferLike> = new Uint8Array(INITIAL);
  #trades = 0;
  /** Events other than trades, each with the number of trades before it. */
  readonly #others: { readonly at: number; readonly event: MarketEvent }[] = [];
  #symbol = "";

  /** A tape over the memory of a shared one (see {@link share}); its trades are not copied. */
  static from(shared: SharedTape): EventTape {
    const tape = new EventTape();
    tape.#symbol = shared.symbol;
    tape.#trades = shared.trades;
    tape.#others.push(...shared.others);
    tape.#view(shared.buffer, shared.trades);
    return tape;
  }

  /** Events held. */
  get length(): number {
    return this.#trades + this.#others.length;
  }

  /** Trades held. */
  get trades(): number {
    return this.#trades;
  }

  /** Bytes the trade columns take (after {@link trim}, 33 a trade). */
  get tradeBytes(): number {
    return this.#id.byteLength + this.#price.byteLength + this.#qty.byteLength +
      this.#time.byteLength + this.#maker.byteLength;
  }

  /** Appends an event (all events of a tape are of one symbol, that of the first). */
  add(event: MarketEvent): void {
    this.#take(event.symbol);
    if (event.type !== "trade") {
      this.#others.push({ at: this.#trades, event });
      return;
    }
    if (this.#trades === this.#id.length) this.#resize(this.#trades * 2);
    const i = this.#trades++;
    this.#id[i] = event.id;
    this.#price[i] = event.price;
    this.#qty[i] = event.qty;
    this.#time[i] = event.time;
    this.#maker[i] = event.buyerMaker ? 1 : 0;
  }

  /**
   * Appends rows `start` to `end` (exclusive) of a batch of trades, column by
   * column (no object per trade), as {@link add} would take them one by one.
   */
  addTrades(columns: TradeColumns, start: number, end: number): void {
    if (end <= start) return;
    this.#take(columns.symbol);
    const n = end - start;
    const at = this.#trades;
    if (at + n > this.#id.length) this.#resize(Math.max(at * 2, at + n));
    this.#id.set(columns.id.subarray(start, end), at);
    this.#price.set(columns.price.subarray(start, end), at);
    this.#qty.set(columns.qty.subarray(start, end), at);
    this.#time.set(columns.time.subarray(start, end), at);
    this.#maker.set(columns.buyerMaker.subarray(start, end), at);
    this.#trades = at + n;
  }

  /** Takes an event of `symbol`: the tape's symbol when it is empty, else it must be the same. */
  #take(symbol: string): void {
    if (this.length === 0) this.#symbol = symbol;
    else if (symbol !== this.#symbol) {
      throw new RangeError(`a tape of ${this.#symbol} cannot hold an event of ${symbol}`);
    }
  }

  /**
   * Gives back the room reserved for growth and moves the trades into shared
   * memory (call once everything is added).
   */
  trim(): void {
    const n = this.#trades;
    const from = [this.#id, this.#price, this.#qty, this.#time];
    const maker = this.#maker;
    this.#view(new SharedArrayBuffer(33 * n), n);
    [this.#id, this.#price, this.#qty, this.#time].forEach((to, k) =>
      to.set(from[k].subarray(0, n))
    );
    this.#maker.set(maker.subarray(0, n));
  }

  /** What a worker needs to replay this tape with {@link EventTape.from} (trims it first if needed). */
  share(): SharedTape {
    if (!(this.#id.buffer instanceof SharedArrayBuffer) || this.#id.length !== this.#trades) {
      this.trim();
    }
    return {
      symbol: this.#symbol,
      trades: this.#trades,
      buffer: this.#id.buffer as SharedArrayBuffer,
      others: this.#others,
    };
  }

  /** The first and the last event, or undefined when the tape is empty. */
  ends(): { first: MarketEvent; last: MarketEvent } | undefined {
    if (this.length === 0) return undefined;
    const others = this.#others;
    const first = others.length > 0 && others[0].at === 0 ? others[0].event : this.#trade(0);
    const lastOther = others.at(-1);
    const last = lastOther && lastOther.at === this.#trades
      ? lastOther.event
      : this.#trade(this.#trades - 1);
    return { first, last };
  }

  /**
   * Passes every event to `sink` in order: the trades between two other
   * events as one run of rows of the trade columns (no object per trade).
   */
  replay(sink: TapeSink): void {
    const columns: TradeColumns = {
      symbol: this.#symbol,
      id: this.#id,
      price: this.#price,
      qty: this.#qty,
      time: this.#time,
      buyerMaker: this.#maker,
      count: this.#trades,
    };
    let start = 0;
    for (const { at, event } of this.#others) {
      if (at > start) sink.trades(columns, start, at);
      start = at;
      sink.event(event);
    }
    if (this.#trades > start) sink.trades(columns, start, this.#trades);
  }

  #trade(i: number): Trade {
    return {
      type: "trade",
      symbol: this.#symbol,
      id: this.#id[i],
      price: this.#price[i],
      qty: this.#qty[i],
      time: this.#time[i],
      buyerMaker: this.#maker[i] === 1,
    };
  }

  /** Points the columns at `n` trades laid out in `buffer` as {@link SharedTape} describes. */
  #view(buffer: SharedArrayBuffer, n: number): void {
    this.#id = new Float64Array(buffer, 0, n);
    this.#price = new Float64Array(buffer, 8 * n, n);
    this.#qty = new Float64Array(buffer, 16 * n, n);
    this.#time = new Float64Array(buffer, 24 * n, n);
    this.#maker = new Uint8Array(buffer, 32 * n, n);
  }

  #resize(capacity: number): void {
    const grow = <T extends Float64Array | Uint8Array>(from: T, to: T): T => {
      to.set(from.subarray(0, Math.min(this.#trades, capacity)));
      return to;
    };
    this.#id = grow(this.#id, new Float64Array(capacity));
    this.#price = grow(this.#price, new Float64Array(capacity));
    this.#qty = grow(this.#qty, new Float64Array(capacity));
    this.#time = grow(this.#time, new Float64Array(capacity));
    this.#maker = grow(this.#maker, new Uint8Array(capacity));
  }
}
