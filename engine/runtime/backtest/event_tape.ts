/**
 * Recorded events of one symbol held in memory column by column, for runs
 * that replay the same data many times (sweep workers): a trade costs 33
 * bytes (four Float64 columns and a byte) instead of an object of about 130.
 *
 * @module
 */
import type { MarketEvent, Trade } from "../../core/types.ts";

const INITIAL = 4096;

/** Events in file order: trades in typed arrays, the few other events (klines, quotes) as objects. */
export class EventTape {
  #id = new Float64Array(INITIAL);
  #price = new Float64Array(INITIAL);
  #qty = new Float64Array(INITIAL);
  #time = new Float64Array(INITIAL);
  #maker = new Uint8Array(INITIAL);
  #trades = 0;
  /** Events other than trades, each with the number of trades before it. */
  readonly #others: { readonly at: number; readonly event: MarketEvent }[] = [];
  #symbol = "";

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
    if (this.length === 0) this.#symbol = event.symbol;
    else if (event.symbol !== this.#symbol) {
      throw new RangeError(`a tape of ${this.#symbol} cannot hold an event of ${event.symbol}`);
    }
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

  /** Gives back the room reserved for growth (call once everything is added). */
  trim(): void {
    this.#resize(this.#trades);
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
   * Passes every event to `step` in order. Trades come as one reused object,
   * valid only during the call (the session core keeps no reference to a trade).
   */
  replay(step: (event: MarketEvent) => void): void {
    const trade: { -readonly [K in keyof Trade]: Trade[K] } = {
      type: "trade",
      symbol: this.#symbol,
      id: 0,
      price: 0,
      qty: 0,
      time: 0,
      buyerMaker: false,
    };
    const id = this.#id, price = this.#price, qty = this.#qty, time = this.#time;
    const maker = this.#maker, others = this.#others;
    let next = 0;
    for (let i = 0; i < this.#trades; i++) {
      while (next < others.length && others[next].at === i) step(others[next++].event);
      trade.id = id[i];
      trade.price = price[i];
      trade.qty = qty[i];
      trade.time = time[i];
      trade.buyerMaker = maker[i] === 1;
      step(trade);
    }
    while (next < others.length) step(others[next++].event);
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
