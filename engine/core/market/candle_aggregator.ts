/**
 * Trades into candles: the one rule the strategy's candle series and the
 * market cache share, so a strategy and the dashboard see the same candles.
 *
 * @module
 */
import type { Candle, Timeframe, Trade } from "../types.ts";
import { timeframeMs } from "../types.ts";

/** A price movement folded into a candle. */
interface Move {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/**
 * The running values of a run of trades folded in time order into the
 * forming candle elsewhere (a session's quiet span), written back at its end.
 */
export interface CandleRun {
  /** Trades up to this time fold into the forming candle (-Infinity: none). */
  until: number;
  /** Time and price of the run's latest trade. */
  time: number;
  price: number;
  /** High, low and volume of the forming candle with the run's trades folded in. */
  high: number;
  low: number;
  volume: number;
}

/**
 * The forming candle of one timeframe. Buckets are aligned to epoch
 * multiples of the timeframe, on exchange time; a candle runs from `openTime`
 * to `closeTime = openTime + duration − 1`. A move is folded into the candle
 * of its bucket: the open is the earliest move's, the close the latest's (the
 * last folded among equal times), so moves out of order within a bucket give
 * the same candle. A move that comes late (at or before the end of data
 * already sealed: a closed candle, or a smaller candle folded in; or before
 * the forming candle) is ignored, so a closed candle never changes and never
 * appears twice. The caller closes the forming candle when a move falls after
 * it ({@link endsBefore}) or on a clock tick. No allocation while folding.
 */
export class CandleAggregator {
  /** The timeframe. */
  readonly timeframe: Timeframe;
  /** Its duration in ms. */
  readonly ms: number;
  /** True while a candle forms. */
  forming = false;
  /** Start of the forming candle (of the last one after {@link closeForming}). */
  openTime = -Infinity;
  /** End of the forming candle (of the last one after {@link closeForming}). */
  closeTime = -Infinity;
  /** Prices and volume of the forming candle (of the last one after {@link closeForming}). */
  open = NaN;
  high = NaN;
  low = NaN;
  close = NaN;
  volume = NaN;
  #sealed = -Infinity;
  #openAt = -Infinity;
  /** Time of the latest move folded into the forming candle (NaN while none forms). */
  #closeAt = NaN;
  /** End of the forming candle (+Infinity while none forms): one comparison tells a move after it. */
  #end = Infinity;
  /** The move being folded (one object reused, numbers from the start). */
  readonly #move: Move = { time: NaN, open: NaN, high: NaN, low: NaN, close: NaN, volume: NaN };

  /** Creates an aggregator of `timeframe` with no candle. */
  constructor(timeframe: Timeframe) {
    this.timeframe = timeframe;
    this.ms = timeframeMs(timeframe);
  }

  /** Whether a candle forms that ends before `time` (close it before folding a move at `time`). */
  endsBefore(time: number): boolean {
    return this.#end < time;
  }

  /** Whether a move at `time` is late (see the class doc); non-finite times are. */
  isLate(time: number): boolean {
    return !(time > this.#sealed) || (this.forming && time < this.openTime);
  }

  /**
   * Folds a price movement at `time` (a trade: open = high = low = close; or
   * a smaller candle at its openTime) into the forming candle, starting the
   * candle of `time`'s bucket when none forms. Returns false, changing
   * nothing, when the move is late.
   *
   * @throws {RangeError} when `time` lies after the forming candle (close it first).
   */
  fold(
    time: number,
    open: number,
    high: number,
    low: number,
    close: number,
    volume: number,
  ): boolean {
    const move = this.#move;
    move.time = time;
    move.open = open;
    move.high = high;
    move.low = low;
    move.close = close;
    move.volume = volume;
    return this.#foldMove(move);
  }

  /**
   * {@link fold} of the move in an object: the path of a trade that starts a
   * candle (once per candle) runs through it, and numbers handed to a call
   * that is not inlined are boxed (an allocation per candle).
   */
  #foldMove(move: Move): boolean {
    const { time, open, high, low, close, volume } = move;
    if (this.isLate(time)) return false;
    if (!this.forming) {
      const ms = this.ms;
      this.forming = true;
      this.openTime = time - (((time % ms) + ms) % ms);
      this.closeTime = this.openTime + ms - 1;
      this.#end = this.closeTime;
      this.open = open;
      this.high = high;
      this.low = low;
      this.close = close;
      this.volume = volume;
      this.#openAt = time;
      this.#closeAt = time;
      return true;
    }
    if (time > this.closeTime) {
      throw new RangeError(
        `move at ${time} after the candle ending ${this.closeTime}: close it first`,
      );
    }
    if (time < this.#openAt) {
      this.open = open;
      this.#openAt = time;
    }
    if (high > this.high) this.high = high;
    if (low < this.low) this.low = low;
    if (time >= this.#closeAt) {
      this.close = close;
      this.#closeAt = time;
    }
    this.volume += volume;
    return true;
  }

  /**
   * Folds a trade: {@link fold} with open = high = low = close = its price.
   * It takes the trade itself (numbers handed to a call that is not inlined
   * are boxed), and a trade in time order inside the forming candle (nearly
   * every one) takes a path small enough to be inlined: only high, low, close
   * and volume change.
   */
  foldTrade(trade: Readonly<Pick<Trade, "time" | "price" | "qty">>): boolean {
    const time = trade.time;
    // #closeAt is NaN while no candle forms, so this never starts one.
    if (time >= this.#closeAt && time <= this.#end && time > this.#sealed) {
      const price = trade.price;
      if (price > this.high) this.high = price;
      if (price < this.low) this.low = price;
      this.close = price;
      this.#closeAt = time;
      this.volume += trade.qty;
      return true;
    }
    return this.#foldOther(trade);
  }

  /**
   * Starts a run of trades from `run.time` on (see {@link CandleRun}): when
   * the trade at that time was the latest folded, the trades after it up to
   * the candle's end fold in order (only high, low, close and volume change),
   * and the run starts from the candle's values with `until` at its end;
   * otherwise `until` is -Infinity. The time comes in the run: a number
   * handed to a call that is not inlined is boxed.
   */
  startRun(run: CandleRun): void {
    const time = run.time;
    if (!(this.forming && this.#closeAt === time && time > this.#sealed)) {
      run.until = -Infinity;
      return;
    }
    run.until = this.#end;
    run.high = this.high;
    run.low = this.low;
    run.volume = this.volume;
  }

  /** Takes the values of a run started with {@link startRun}, as folding its trades one by one would leave them. */
  endRun(run: Readonly<CandleRun>): void {
    this.high = run.high;
    this.low = run.low;
    this.close = run.price;
    this.#closeAt = run.time;
    this.volume = run.volume;
  }

  /** {@link foldTrade} for a trade that starts a candle, comes out of order or late. */
  #foldOther(trade: Readonly<Pick<Trade, "time" | "price" | "qty">>): boolean {
    const move = this.#move;
    const price = trade.price;
    move.time = trade.time;
    move.open = price;
    move.high = price;
    move.low = price;
    move.close = price;
    move.volume = trade.qty;
    return this.#foldMove(move);
  }

  /** Closes the forming candle; its fields stay readable until the next fold. */
  closeForming(): void {
    this.#stop();
    this.seal(this.closeTime);
  }

  /** Marks data up to `time` as final (a closed candle taken from elsewhere, or folded in): later moves at or before it are late. */
  seal(time: number): void {
    if (time > this.#sealed) this.#sealed = time;
  }

  /** Drops the forming candle (replaced by one from elsewhere). */
  discard(): void {
    this.#stop();
  }

  /** No candle forms from now on (its fields stay readable). */
  #stop(): void {
    this.forming = false;
    this.#closeAt = NaN;
    this.#end = Infinity;
  }

  /** The forming candle (the last one after {@link closeForming}) as a candle event of `symbol`. */
  candle(symbol: string, closed: boolean): Candle {
    return {
      type: "candle",
      symbol,
      timeframe: this.timeframe,
      openTime: this.openTime,
      closeTime: this.closeTime,
      open: this.open,
      high: this.high,
      low: this.low,
      close: this.close,
      volume: this.volume,
      closed,
    };
  }
}
