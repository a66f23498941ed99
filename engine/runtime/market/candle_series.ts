/**
 * Candles of one symbol and timeframe: the last closed candles in a ring plus
 * the forming one, built from trades or taken from exchange klines.
 */
import type { Candle, Timeframe, Trade } from "../../core/types.ts";
import { timeframeMs } from "../../core/types.ts";
import { Ring } from "./_ring.ts";

/** One timeframe's candle history. */
export class CandleSeries {
  readonly symbol: string;
  readonly timeframe: Timeframe;
  #step: number;
  #closed: Ring<Candle>;
  #forming?: Candle;
  #fromKlines = false;

  constructor(symbol: string, timeframe: Timeframe, options: { capacity?: number } = {}) {
    this.symbol = symbol;
    this.timeframe = timeframe;
    this.#step = timeframeMs(timeframe);
    this.#closed = new Ring(options.capacity ?? 500);
  }

  /** The forming candle, if any. */
  get forming(): Candle | undefined {
    return this.#forming;
  }

  /** Number of closed candles held. */
  get closedCount(): number {
    return this.#closed.size;
  }

  /** Closed candle `index`, oldest first. */
  closedAt(index: number): Candle | undefined {
    return this.#closed.at(index);
  }

  /**
   * Folds a trade into the forming candle (ignored once the series is fed by
   * klines). Returns the candle it closed, if the trade started a new one.
   */
  addTrade(trade: Trade): Candle | undefined {
    if (this.#fromKlines) return undefined;
    const openTime = Math.floor(trade.time / this.#step) * this.#step;
    const f = this.#forming;
    if (f && openTime === f.openTime) {
      this.#forming = {
        ...f,
        high: Math.max(f.high, trade.price),
        low: Math.min(f.low, trade.price),
        close: trade.price,
        volume: f.volume + trade.qty,
      };
      return undefined;
    }
    const last = this.#closed.last();
    if ((f && openTime < f.openTime) || (last && openTime <= last.openTime)) return undefined;
    const closed = f ? { ...f, closed: true } : undefined;
    if (closed) this.#closed.push(closed);
    this.#forming = {
      type: "candle",
      symbol: this.symbol,
      timeframe: this.timeframe,
      openTime,
      closeTime: openTime + this.#step - 1,
      open: trade.price,
      high: trade.price,
      low: trade.price,
      close: trade.price,
      volume: trade.qty,
      closed: false,
    };
    return closed;
  }

  /**
   * Applies an exchange candle (kline or warm-up history). From then on the
   * series follows klines, not trades, unless `history` is set.
   */
  addCandle(candle: Candle, options: { history?: boolean } = {}): void {
    if (!options.history) this.#fromKlines = true;
    const last = this.#closed.last();
    if (last && candle.openTime <= last.openTime) return;
    if (candle.closed) {
      this.#closed.push(candle);
      if (this.#forming && this.#forming.openTime <= candle.openTime) this.#forming = undefined;
    } else {
      this.#forming = candle;
    }
  }

  /** The newest `limit` candles, oldest first, the forming one last. */
  candles(limit: number): Candle[] {
    if (limit <= 0) return [];
    if (!this.#forming) return this.#closed.tail(limit);
    const out = this.#closed.tail(limit - 1);
    out.push(this.#forming);
    return out;
  }

  /** The open price of the first candle starting at or after `time`, if any. */
  openAtOrAfter(time: number): number | undefined {
    let lo = 0;
    let hi = this.#closed.size;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.#closed.at(mid) as Candle).openTime < time) lo = mid + 1;
      else hi = mid;
    }
    if (lo < this.#closed.size) return this.#closed.at(lo)?.open;
    return this.#forming && this.#forming.openTime >= time ? this.#forming.open : undefined;
  }
}
