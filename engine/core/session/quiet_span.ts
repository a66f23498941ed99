/**
 * A quiet span: a run of trades of a session's symbol that can change
 * nothing but running values — no order that a trade could fill, trigger,
 * trail or let arrive (open orders rest at price levels the span's trades
 * stay strictly between, see `resting_band.ts`), no short position (whose
 * liquidation each trade checks), no risk rule watching the equity, no
 * candle closing and no equity sample falling due. Such a trade only moves
 * the last price, the reference volume, the forming candle, the mark of a
 * held position and the exposure time; the span takes it in its own fields
 * (the arithmetic of the full path, in the same order) and the session
 * writes the result back once, when the span ends. The result is the same
 * to the bit as taking every trade through the full path.
 *
 * @module
 */
import type { Trade } from "../types.ts";
import type { MarketState } from "../execution/types.ts";
import type { CandleRun } from "../market/candle_aggregator.ts";
import { foldVolumeRef } from "../execution/matching.ts";

/**
 * Trades a span takes at most: the trade after them goes the full way and
 * opens the next span. The full path then runs often enough (once per 49
 * trades at least) to be fully optimised while a backtest warms up; until it
 * is, each trade taken the full way allocates a few numbers.
 */
const MAX_TRADES = 48;

/** The running values of a quiet span (numbers from the start: no field boxes a store). */
export class QuietSpan implements CandleRun {
  /** Trades at times up to this one (and {@link before}) may join (-Infinity: no span is open). */
  until = -Infinity;
  /**
   * Trades at times before this one may join (the next equity sampling
   * boundary, or an earlier time at which an open order arrives).
   */
  before = -Infinity;
  /**
   * Trades at prices strictly above {@link floor} and strictly below
   * {@link ceiling} may join: the band in which no open order fills,
   * triggers or trails (0 and Infinity with none: any usable price).
   */
  floor = 0;
  ceiling = Infinity;
  /** Trades taken since the span opened. */
  count = 0;
  /** Time of the latest trade (trades earlier than it do not join). */
  time = NaN;
  /** Price of the latest trade. */
  price = NaN;
  /** High, low and volume of the forming candle. */
  high = NaN;
  low = NaN;
  volume = NaN;
  /**
   * The symbol's market, whose reference volume each trade moves at once
   * (one shape of object for {@link foldVolumeRef}, which the full path
   * shares: code that is not fully optimised boxes a number it reads from
   * objects of several shapes).
   */
  market: MarketState | undefined = undefined;
  /** Whether a position is held (it stays so over the span). */
  exposed = false;
  /** Time held exposed since the last equity sampling boundary. */
  exposedMs = NaN;

  /**
   * Takes a trade into the span: false, changing nothing, when it cannot
   * join (no span open, a time outside it, a price outside its band or one
   * the engine cannot use, a size the engine cannot use, or a full span).
   */
  take(trade: Trade): boolean {
    const time = trade.time;
    const price = trade.price;
    const qty = trade.qty;
    if (
      !(time <= this.until && time < this.before && time >= this.time &&
        price > this.floor && price < this.ceiling && qty >= 0 && qty < Infinity &&
        this.count < MAX_TRADES)
    ) return false;
    if (price > this.high) this.high = price;
    if (price < this.low) this.low = price;
    this.price = price;
    this.volume += qty;
    foldVolumeRef(this.market!, trade);
    if (this.exposed === true) this.exposedMs += time - this.time;
    this.time = time;
    this.count++;
    return true;
  }

  /** Ends the span (its values stay readable until it opens again). */
  close(): void {
    this.until = -Infinity;
    this.before = -Infinity;
    this.count = 0;
  }
}
