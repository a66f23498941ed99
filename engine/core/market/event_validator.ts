/**
 * The one validation of normalised market events, used by every path that
 * takes market data in: live feeds, the replay feed, the recorder and
 * backtests (recordings go through {@link RecordingValidator}, which adds the
 * outlier rule for forward jumps). Pure: the wall clock comes in as an
 * argument.
 *
 * @module
 */
import { type MarketEvent, timeframeMs, TIMEFRAMES, type Trade } from "../types.ts";
import { endTime, reachedTime } from "./_event_times.ts";

/** Why an event breaks an invariant of its own (no state needed to tell). */
export type InvalidReason =
  | "invalid_number"
  | "non_positive"
  | "crossed_quote"
  | "candle_range"
  | "candle_time";

/** Why a validator dropped an event (keys of the feeds' `dropped` counters). */
export type ValidationReason =
  | InvalidReason
  | "duplicate"
  | "out_of_order"
  | "time_future"
  | "time_past"
  | "time_backwards"
  | "time_jump";

/** How far event times may stray, in ms. */
export interface TimeBounds {
  /** Live: how far an event may be ahead of the wall clock. */
  readonly maxFutureMs: number;
  /** Live: how far a trade or candle may be behind the wall clock. */
  readonly maxPastMs: number;
  /** How far a trade or candle may be behind the previous accepted one of its symbol. */
  readonly maxBackwardMs: number;
  /** Recordings: a larger forward step must be confirmed by the symbol's next event. */
  readonly maxGapMs: number;
}

/**
 * Default bounds. Live: 1 min ahead covers clock skew (exchange times are
 * stamped before we receive them, so only skew makes them look early) and
 * limits the harm of an early stamp to about one candle; 5 min behind covers
 * skew plus delivery stalls (the exchange drops a connection that does not
 * answer its pings within a minute, so a live stream is never far behind),
 * while a trade older than that would fill orders at a stale price. 5 s
 * backwards absorbs the interleaving of streams. Recordings: forward steps
 * over 1 h need the next event's confirmation (see {@link RecordingValidator}).
 */
export const DEFAULT_TIME_BOUNDS: TimeBounds = {
  maxFutureMs: 60_000,
  maxPastMs: 300_000,
  maxBackwardMs: 5_000,
  maxGapMs: 3_600_000,
};

const DURATION_MS: Readonly<Record<string, number>> = Object.fromEntries(
  TIMEFRAMES.map((tf) => [tf, timeframeMs(tf)]),
);

/**
 * Returns why an event is malformed on its own, or undefined: finite numbers
 * and integer ids; positive prices, trade sizes and candle prices, sizes and
 * volume ≥ 0; bid ≤ ask; low ≤ open, close ≤ high; a candle spans exactly its
 * timeframe (closeTime = openTime + duration − 1).
 */
export function invalidEvent(event: MarketEvent): InvalidReason | undefined {
  switch (event.type) {
    case "trade":
      return invalidTrade(event.id, event.price, event.qty, event.time);
    case "quote": {
      const { updateId, bid, bidQty, ask, askQty, time } = event;
      if (
        !(Number.isInteger(updateId) && isFinite(bid) && isFinite(bidQty) && isFinite(ask) &&
          isFinite(askQty) && isFinite(time))
      ) return "invalid_number";
      if (!(bid > 0 && ask > 0 && bidQty >= 0 && askQty >= 0)) return "non_positive";
      return bid <= ask ? undefined : "crossed_quote";
    }
    case "candle": {
      const { open, high, low, close, volume, openTime, closeTime } = event;
      if (
        !(isFinite(open) && isFinite(high) && isFinite(low) && isFinite(close) &&
          isFinite(volume) && isFinite(openTime) && isFinite(closeTime))
      ) return "invalid_number";
      if (!(open > 0 && high > 0 && low > 0 && close > 0 && volume >= 0)) return "non_positive";
      if (!(low <= open && open <= high && low <= close && close <= high)) return "candle_range";
      return closeTime - openTime + 1 === DURATION_MS[event.timeframe] ? undefined : "candle_time";
    }
  }
}

/** {@link invalidEvent} of a trade given by its fields. */
export function invalidTrade(
  id: number,
  price: number,
  qty: number,
  time: number,
): InvalidReason | undefined {
  if (!(Number.isInteger(id) && isFinite(price) && isFinite(qty) && isFinite(time))) {
    return "invalid_number";
  }
  return price > 0 && qty > 0 ? undefined : "non_positive";
}

/**
 * Whether the engine can use a trade at all: a positive finite price, a
 * finite size ≥ 0 and a finite time (looser than {@link invalidEvent}, which
 * ingestion applies). The session core checks this once per trade; the
 * account and the strategy evaluator then take the trade unchecked.
 */
export function usableTrade(trade: Trade): boolean {
  const { price, qty, time } = trade;
  // Comparisons, not `Number.isFinite`: a call that is not inlined boxes the number it is given.
  return price > 0 && price < Infinity && qty >= 0 && qty < Infinity && time > -Infinity &&
    time < Infinity;
}

interface SymbolState {
  /** Reached time of the last accepted trade or candle. */
  clock: number;
  tradeId: number;
  quoteId: number;
}

/** Options of {@link EventValidator}. */
export interface EventValidatorOptions {
  /** Overrides of {@link DEFAULT_TIME_BOUNDS}. */
  readonly bounds?: Partial<TimeBounds>;
  /** Hears trade-id jumps of accepted trades (from, to = the missing ids). */
  readonly onGap?: (symbol: string, from: number, to: number) => void;
}

/**
 * Checks events per symbol: {@link invalidEvent}, strictly increasing trade
 * and quote ids, and times. Trades and candles may not fall more than
 * `maxBackwardMs` behind the previous accepted trade or candle of their
 * symbol. With a wall clock (live), every event must lie within
 * `maxFutureMs` ahead of it and trades and candles within `maxPastMs` behind
 * it, and the previous time counts at most up to the wall clock, so one early
 * stamp cannot make the following events look late. Quotes are not held to
 * the lower bounds: an old quote is merely stale, and quotes without a time
 * of their own are stamped with the last trade's.
 */
export class EventValidator {
  readonly #bounds: TimeBounds;
  readonly #onGap?: (symbol: string, from: number, to: number) => void;
  readonly #symbols = new Map<string, SymbolState>();
  /** The symbol of the last lookup and its state: a stream of one symbol needs no map lookup. */
  #lastSymbol = "";
  #lastState: SymbolState | undefined = undefined;

  constructor(options: EventValidatorOptions = {}) {
    this.#bounds = { ...DEFAULT_TIME_BOUNDS, ...options.bounds };
    this.#onGap = options.onGap;
  }

  /** The bounds in force. */
  get bounds(): TimeBounds {
    return this.#bounds;
  }

  /**
   * Returns why the event must be dropped, or undefined when it passes (it is
   * then remembered). `now` is the wall clock in ms for live events; leave it
   * out for recorded ones.
   */
  check(event: MarketEvent, now?: number): ValidationReason | undefined {
    const invalid = invalidEvent(event);
    if (invalid) return invalid;
    const state = this.#known(event.symbol);
    const bounds = this.#bounds;
    const reached = reachedTime(event);
    if (now !== undefined && reached > now + bounds.maxFutureMs) return "time_future";
    if (event.type === "quote") {
      if (event.updateId === state.quoteId) return "duplicate";
      if (event.updateId < state.quoteId) return "out_of_order";
      state.quoteId = event.updateId;
      return undefined;
    }
    const end = endTime(event);
    if (now !== undefined && end < now - bounds.maxPastMs) return "time_past";
    const previous = now === undefined || state.clock < now ? state.clock : now;
    if (end < previous - bounds.maxBackwardMs) return "time_backwards";
    if (event.type === "trade") return this.#tradeOrder(state, event.symbol, event.id, reached);
    if (reached > state.clock) state.clock = reached;
    return undefined;
  }

  /**
   * {@link check} of a recorded trade given by its fields (no event object):
   * the same checks in the same order, for the batch path of recordings.
   */
  checkTrade(
    symbol: string,
    id: number,
    price: number,
    qty: number,
    time: number,
  ): ValidationReason | undefined {
    const invalid = invalidTrade(id, price, qty, time);
    if (invalid) return invalid;
    const state = this.#known(symbol);
    if (time < state.clock - this.#bounds.maxBackwardMs) return "time_backwards";
    return this.#tradeOrder(state, symbol, id, time);
  }

  /**
   * {@link checkTrade} of the recorded trades of `symbol` in rows `from` to
   * `to` (exclusive) of its columns while each passes and starts at most
   * `maxGapMs` after the symbol's clock (trades a recording validator takes
   * at once); returns the first row that does not, unchecked (`to` when all
   * passed). A row that skips ids stops it too while gaps are heard.
   */
  acceptTrades(
    symbol: string,
    id: Float64Array,
    price: Float64Array,
    qty: Float64Array,
    time: Float64Array,
    from: number,
    to: number,
  ): number {
    const state = this.#state(symbol);
    if (state === undefined) return from;
    const { maxGapMs, maxBackwardMs } = this.#bounds;
    const gaps = this.#onGap !== undefined;
    let i = from;
    for (; i < to; i++) {
      const t = time[i], tradeId = id[i], clock = state.clock, last = state.tradeId;
      if (clock === -Infinity || t > clock + maxGapMs) break;
      if (invalidTrade(tradeId, price[i], qty[i], t) !== undefined) break;
      if (t < clock - maxBackwardMs || !(tradeId > last)) break;
      if (gaps && tradeId > last + 1 && last > -Infinity) break;
      state.tradeId = tradeId;
      if (t > clock) state.clock = t;
    }
    return i;
  }

  /** The id order of an accepted trade's symbol, then its clock. */
  #tradeOrder(
    state: SymbolState,
    symbol: string,
    id: number,
    time: number,
  ): ValidationReason | undefined {
    const last = state.tradeId;
    if (id === last) return "duplicate";
    if (id < last) return "out_of_order";
    if (id > last + 1 && last > -Infinity) this.#onGap?.(symbol, last + 1, id - 1);
    state.tradeId = id;
    if (time > state.clock) state.clock = time;
    return undefined;
  }

  /** The state of a symbol, created at its first check. */
  #known(symbol: string): SymbolState {
    let state = this.#state(symbol);
    if (!state) {
      state = { clock: -Infinity, tradeId: -Infinity, quoteId: -Infinity };
      this.#symbols.set(symbol, state);
      this.#lastState = state;
    }
    return state;
  }

  /** The state of a symbol (undefined before its first check), remembered for the next lookup. */
  #state(symbol: string): SymbolState | undefined {
    if (symbol === this.#lastSymbol) return this.#lastState;
    this.#lastSymbol = symbol;
    return this.#lastState = this.#symbols.get(symbol);
  }

  /** Reached time of the last accepted trade or candle of a symbol (-Infinity before any). */
  clock(symbol: string): number {
    return this.#state(symbol)?.clock ?? -Infinity;
  }

  /** Forgets a symbol (after unsubscribing). */
  forget(symbol: string): void {
    this.#symbols.delete(symbol);
    if (symbol === this.#lastSymbol) this.#lastState = undefined;
  }
}
