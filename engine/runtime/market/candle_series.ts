/**
 * Candles of one symbol and timeframe: the last closed candles in a ring plus
 * the forming one, built from trades by the core's candle aggregator (the
 * rule the strategies use) or taken from exchange klines.
 */
import type { Candle, Timeframe, Trade } from "../../core/types.ts";
import { CandleAggregator } from "../../core/market/candle_aggregator.ts";
import { Ring } from "./_ring.ts";

/** One timeframe's candle history. */
export class CandleSeries {
  readonly symbol: string;
  readonly timeframe: Timeframe;
  #aggregator: CandleAggregator;
  #closed: Ring<Candle>;
  #fromKlines = false;

  constructor(symbol: string, timeframe: Timeframe, options: { capacity?: number } = {}) {
    this.symbol = symbol;
    this.timeframe = timeframe;
    this.#aggregator = new CandleAggregator(timeframe);
    this.#closed = new Ring(options.capacity ?? 500);
  }

  /** The forming candle, if any. */
  get forming(): Candle | undefined {
    return this.#aggregator.forming ? this.#aggregator.candle(this.symbol, false) : undefined;
  }

  /**
   * Folds a trade into the forming candle (ignored once the series is fed by
   * klines, or when late). Returns the candle it closed, if the trade started
   * a new one.
   */
  addTrade(trade: Trade): Candle | undefined {
    if (this.#fromKlines) return undefined;
    const aggregator = this.#aggregator;
    let closed: Candle | undefined;
    if (aggregator.endsBefore(trade.time)) {
      aggregator.closeForming();
      closed = aggregator.candle(this.symbol, true);
      this.#closed.push(closed);
    }
    aggregator.foldTrade(trade);
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
    const aggregator = this.#aggregator;
    if (candle.closed) {
      this.#closed.push(candle);
      aggregator.seal(candle.closeTime);
      if (aggregator.forming && aggregator.openTime <= candle.openTime) aggregator.discard();
    } else {
      aggregator.discard();
      const { openTime, open, high, low, close, volume } = candle;
      aggregator.fold(openTime, open, high, low, close, volume);
    }
  }

  /** The newest `limit` candles, oldest first, the forming one last. */
  candles(limit: number): Candle[] {
    if (limit <= 0) return [];
    const forming = this.forming;
    if (!forming) return this.#closed.tail(limit);
    const out = this.#closed.tail(limit - 1);
    out.push(forming);
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
    const forming = this.#aggregator;
    return forming.forming && forming.openTime >= time ? forming.open : undefined;
  }
}
