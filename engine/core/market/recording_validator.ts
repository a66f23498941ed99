/**
 * Validation of a recorded stream (the replay feed, backtests): the
 * {@link EventValidator}'s checks without a wall clock, plus the rule that
 * tells a corrupt time stamp from a real gap in the data.
 *
 * A trade or candle that starts more than `maxGapMs` after its symbol's clock,
 * or is the symbol's first, is held until the symbol's next trade or candle
 * shows which it is. If the next one follows it (no more than
 * `maxBackwardMs` earlier, no more than `maxGapMs` later, a higher trade id),
 * the jump was real (a recording resumed hours later) and both are accepted.
 * If not, the held event was an outlier (say one trade stamped millennia
 * ahead among normal ones): it is dropped as `time_jump` and the clock stays.
 * When a symbol's first two events disagree, the third decides. Quotes never
 * decide (a recorded quote often borrows the last trade's time): they wait
 * behind a held event of their symbol, and one far ahead of its symbol's clock
 * is dropped. Book updates (a recording with books) are treated as quotes. At the end of the stream, a held event that nothing confirmed
 * is dropped, unless it is the symbol's only trade or candle.
 *
 * Accepted events keep their order within a symbol; an event of one symbol
 * may be passed on after later events of other symbols while it is held.
 * Limits: two corrupt events that follow each other pass as a jump, and an
 * outlier right after the first event past a real gap costs that event too
 * (three events cannot tell which of the two is wrong).
 *
 * @module
 */
import type { BookTop, MarketEvent, Trade } from "../types.ts";
import {
  EventValidator,
  type EventValidatorOptions,
  invalidEvent,
  type ValidationReason,
} from "./event_validator.ts";
import { endTime, reachedTime, startTime } from "./_event_times.ts";

/** Options of {@link RecordingValidator}. */
export interface RecordingValidatorOptions<E extends MarketEvent | BookTop = MarketEvent>
  extends EventValidatorOptions {
  /** Hears every accepted event, in order. */
  readonly accept: (event: E) => void;
  /** Hears every dropped event with the reason. */
  readonly drop: (reason: ValidationReason, event: E) => void;
  /**
   * Trades of {@link RecordingValidator.pushTrades} accepted at once reach
   * `accept` as one reused object, valid only during the call (for consumers
   * that keep no trade, such as a backtest). Default: a new object each.
   */
  readonly reuseTrades?: boolean;
  /**
   * Takes the trades of {@link RecordingValidator.pushTrades} accepted at
   * once a run of rows of their batch at a time (rows `start` to `end`,
   * exclusive; valid only during the call), instead of `accept` one by one.
   */
  readonly acceptTrades?: (batch: TradeColumns, start: number, end: number) => void;
}

/** Trades of one symbol column by column: row `i` is `id[i], price[i], qty[i], time[i], buyerMaker[i]`. */
export interface TradeColumns {
  readonly symbol: string;
  readonly id: Float64Array;
  readonly price: Float64Array;
  readonly qty: Float64Array;
  readonly time: Float64Array;
  /** 1 when the buyer was the maker. */
  readonly buyerMaker: Uint8Array;
  /** Rows in use. */
  readonly count: number;
}

type MutableTrade = { -readonly [K in keyof Trade]: Trade[K] };

interface Pending<E> {
  /** A trade or candle waiting for confirmation. */
  held: MarketEvent;
  /** The symbol's second event, when it disagreed with its first (`held`). */
  rival?: MarketEvent;
  /** Quotes (and books) that came after `held`, passed on once it is decided. */
  queue: E[];
}

/**
 * Validates a recorded stream event by event; call {@link end} after the last
 * one. `E` admits book updates beside the market events.
 */
export class RecordingValidator<E extends MarketEvent | BookTop = MarketEvent> {
  readonly #validator: EventValidator;
  readonly #accept: (event: E) => void;
  readonly #drop: (reason: ValidationReason, event: E) => void;
  readonly #pending = new Map<string, Pending<E>>();
  readonly #acceptTrades: RecordingValidatorOptions["acceptTrades"];
  /** The trade object {@link pushTrades} reuses, when `reuseTrades` is set. */
  readonly #reused: MutableTrade | undefined;

  constructor(options: RecordingValidatorOptions<E>) {
    this.#validator = new EventValidator(options);
    this.#accept = options.accept;
    this.#drop = options.drop;
    this.#acceptTrades = options.acceptTrades;
    this.#reused = options.reuseTrades
      ? { type: "trade", symbol: "", id: 0, price: 0, qty: 0, time: 0, buyerMaker: false }
      : undefined;
  }

  /**
   * Takes the next trades of the stream, as {@link push} would take them one
   * by one (same checks, order and outcome), without an object for a trade
   * that is accepted at once; only a trade that has to be held or dropped
   * becomes an object.
   */
  pushTrades(batch: TradeColumns): void {
    const { symbol, id, price, qty, time, count } = batch;
    const validator = this.#validator;
    for (let i = 0; i < count; i++) {
      const held = this.#pending.size !== 0 && this.#pending.has(symbol);
      // The rows accepted at once, up to the first that is held or dropped.
      const end = held ? i : validator.acceptTrades(symbol, id, price, qty, time, i, count);
      if (end > i) this.#passTrades(batch, i, end);
      if (end === count) return;
      i = end;
      const t = time[i];
      const clock = validator.clock(symbol);
      if (held || clock === -Infinity || t > clock + validator.bounds.maxGapMs) {
        this.push(tradeAt(batch, i) as E);
        continue;
      }
      const reason = validator.checkTrade(symbol, id[i], price[i], qty[i], t);
      if (reason) this.#drop(reason, tradeAt(batch, i) as E);
      else this.#passTrades(batch, i, i + 1);
    }
  }

  /** Passes on rows `start` to `end` (exclusive) of a batch, accepted. */
  #passTrades(batch: TradeColumns, start: number, end: number): void {
    if (this.#acceptTrades !== undefined) return this.#acceptTrades(batch, start, end);
    const reused = this.#reused;
    if (!reused) {
      for (let i = start; i < end; i++) this.#accept(tradeAt(batch, i) as E);
      return;
    }
    reused.symbol = batch.symbol;
    for (let i = start; i < end; i++) {
      reused.id = batch.id[i];
      reused.price = batch.price[i];
      reused.qty = batch.qty[i];
      reused.time = batch.time[i];
      reused.buyerMaker = batch.buyerMaker[i] === 1;
      this.#accept(reused as E);
    }
  }

  /** Takes the next event of the stream; accepted ones reach `accept` now or once confirmed. */
  push(event: E): void {
    const pending = this.#pending.size === 0 ? undefined : this.#pending.get(event.symbol);
    if (pending) this.#decide(pending, event);
    else this.#admit(event);
  }

  /** The stream ended: decides every held event (see the module doc). */
  end(): void {
    for (const [symbol, pending] of this.#pending) {
      const { held, rival } = pending;
      if (!rival && this.#validator.clock(symbol) === -Infinity) this.#resolve(pending, held);
      else this.#resolve(pending, undefined, held, rival);
    }
  }

  #admit(event: E): void {
    if (event.type !== "quote" && event.type !== "book") {
      const clock = this.#validator.clock(event.symbol);
      if (clock === -Infinity || startTime(event) > clock + this.#validator.bounds.maxGapMs) {
        const invalid = invalidEvent(event);
        if (invalid) this.#drop(invalid, event);
        else this.#pending.set(event.symbol, { held: event, queue: [] });
        return;
      }
    }
    this.#pass(event);
  }

  #decide(pending: Pending<E>, event: E): void {
    if (event.type === "quote" || event.type === "book") {
      pending.queue.push(event);
      return;
    }
    const invalid = invalidEvent(event);
    if (invalid) return this.#drop(invalid, event);
    const { held, rival } = pending;
    if (this.#follows(held, event)) this.#resolve(pending, held, rival);
    else if (rival && this.#follows(rival, event)) this.#resolve(pending, rival, held);
    else if (rival || this.#validator.clock(event.symbol) > -Infinity) {
      this.#resolve(pending, undefined, held, rival);
    } else {
      pending.rival = event;
      return;
    }
    this.#admit(event);
  }

  /** Whether `next` could be accepted right after `event`. */
  #follows(event: MarketEvent, next: MarketEvent): boolean {
    const { maxBackwardMs, maxGapMs } = this.#validator.bounds;
    const reached = reachedTime(event);
    if (endTime(next) < reached - maxBackwardMs || startTime(next) > reached + maxGapMs) {
      return false;
    }
    return !(event.type === "trade" && next.type === "trade" && next.id <= event.id);
  }

  #resolve(
    pending: Pending<E>,
    winner?: MarketEvent,
    ...losers: (MarketEvent | undefined)[]
  ): void {
    this.#pending.delete(pending.held.symbol);
    for (const loser of losers) if (loser) this.#drop("time_jump", loser as E);
    if (winner) this.#pass(winner as E);
    for (const quote of pending.queue) this.#pass(quote);
  }

  #pass(event: E): void {
    if (event.type === "quote" || event.type === "book") {
      const clock = this.#validator.clock(event.symbol);
      if (clock > -Infinity && event.time > clock + this.#validator.bounds.maxGapMs) {
        return this.#drop("time_jump", event);
      }
      // A book was checked level by level when it was built from the recording.
      if (event.type === "book") return this.#accept(event);
    }
    const reason = this.#validator.check(event);
    if (reason) this.#drop(reason, event);
    else this.#accept(event);
  }
}

/** Row `i` of a batch as a trade event of its own. */
function tradeAt(batch: TradeColumns, i: number): Trade {
  return {
    type: "trade",
    symbol: batch.symbol,
    id: batch.id[i],
    price: batch.price[i],
    qty: batch.qty[i],
    time: batch.time[i],
    buyerMaker: batch.buyerMaker[i] === 1,
  };
}
