/**
 * Columnar trades, as the byte-level recording parsers fill them and the
 * replay paths (backtests, the replay feed) read them: one typed array per
 * field, no object per trade.
 *
 * @module
 */
import type { BookTop, MarketEvent } from "../../core/types.ts";
import type { DropReason } from "./binance_protocol.ts";

/** Columnar trades of one symbol: row `i` is `id[i], price[i], qty[i], time[i] (ms), buyerMaker[i]`. */
export class TradeBatch {
  /** Upper-case symbol of every row (set by the parser while the batch is empty). */
  symbol: string;
  readonly id: Float64Array;
  readonly price: Float64Array;
  readonly qty: Float64Array;
  readonly time: Float64Array;
  /** 1 when the buyer was the maker. */
  readonly buyerMaker: Uint8Array;
  /** Rows in use. */
  count = 0;

  constructor(symbol: string, capacity: number) {
    this.symbol = symbol;
    this.id = new Float64Array(capacity);
    this.price = new Float64Array(capacity);
    this.qty = new Float64Array(capacity);
    this.time = new Float64Array(capacity);
    this.buyerMaker = new Uint8Array(capacity);
  }

  /** Rows the batch can hold. */
  get capacity(): number {
    return this.id.length;
  }
}

/** Where parsed lines go, in file order. */
export interface BatchSink {
  /** A batch of trades of one symbol; valid only during the call. */
  trades(batch: TradeBatch): void;
  /** An event of a line outside the fast path (a kline, a quote, a book, a trade in another form). */
  event(event: MarketEvent | BookTop): void;
  /** A line that was dropped, with the reason. */
  drop(reason: DropReason): void;
}
