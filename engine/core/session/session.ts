import type { BookTop, Candle, MarketEvent, Quote, Timeframe, Trade } from "../types.ts";
// Imports name the files they need rather than the barrels: the barrels also
// export the validation schemas (zod, yaml), which session workers must not load.
import { type CompiledStrategy, planStrategy } from "../strategy/plan.ts";
import { type Signal, StrategyEvaluator } from "../strategy/evaluator.ts";
import type { Strategy } from "../strategy/schema.ts";
import type { Bar } from "../strategy/indicator.ts";
import { symbolReferenceProblems } from "../strategy/cross_symbol.ts";
import type { Wallet } from "./wallet.ts";
import type { SymbolView } from "./portfolio.ts";
import {
  createAccount,
  equity,
  freeCash,
  heldQuantity,
  marketOf,
  openOrders,
  position,
  revalue,
} from "../execution/account.ts";
import { affordableQuantity } from "../execution/costs.ts";
import { rejectOrder, submitOrder } from "../execution/placement.ts";
import { bracketProblem } from "../execution/validation.ts";
import { cancelAll, cancelOrder } from "../execution/cancellation.ts";
import { applyTradeTo, onBook, onQuote } from "../execution/matching.ts";
import { usableTrade } from "../market/event_validator.ts";
import { QuietSpan } from "./quiet_span.ts";
import { narrowToResting } from "../execution/resting_band.ts";
import type { ExecutionConfig } from "../execution/config.ts";
import type {
  Account,
  ClosedTrade,
  ExecEvent,
  Fill,
  MarketState,
  Order,
  OrderRequest,
  Position,
  PositionState,
} from "../execution/types.ts";
import { isStopOut, RiskEngine, type RiskState } from "../risk/engine.ts";
import type { RiskEvent, RiskRule, RiskView, TradingState } from "../risk/events.ts";
import { pickLimits, type RiskLimits } from "../risk/limits.ts";
import {
  createMetrics,
  type EquitySample,
  type Metrics,
  metricsOf,
  type MetricsState,
  observeEquity,
  observeSample,
  recordClosedTrade,
  recordFill,
} from "../metrics/metrics.ts";

/**
 * Whether a tag names an entry rule (`entry.long`, `entry.short`) rather than
 * one of its bracket children (`entry.long.stop_loss`), which only ever exit.
 */
function isEntryTag(tag: string | undefined): boolean {
  return tag === "entry.long" || tag === "entry.short";
}

/** What each protective exit is called in a signal's reason, by the last part of its order's tag. */
const RISK_EXITS: Readonly<Record<string, string>> = {
  stop_loss: "stop loss",
  take_profit: "take profit",
  trailing_stop: "trailing stop",
};

/**
 * The signal a protective exit (stop-loss, take-profit or trailing stop,
 * the strategy's or a manual bracket's) records once its order has filled,
 * so the signal history shows every exit and why; undefined for other orders.
 */
function riskExitSignal(order: Order): Signal | undefined {
  const what = RISK_EXITS[order.tag?.slice(order.tag.lastIndexOf(".") + 1) ?? ""];
  if (what === undefined || order.filled_qty <= 0 || order.status !== "filled") return undefined;
  // Ten significant digits: a stop computed as a percentage of the entry carries float noise.
  const plain = (x: number) => Number(x.toPrecision(10));
  const price = plain(order.avg_price);
  const level = plain((order.type === "limit" ? order.price : order.stop_price) ?? price);
  const verb = order.side === "sell" ? "sold" : "bought";
  return {
    time: order.updated_at,
    kind: "exit",
    side: order.side === "sell" ? "long" : "short",
    price,
    rule: order.tag!,
    reason: `${what} at ${level} reached: ${verb} ${order.filled_qty} at ${price}`,
    values: { level, price },
  };
}

/** A trader's order: a quantity, or a notional in the quote currency. */
export interface ManualOrder {
  /** One of a portfolio session's symbols (a single-symbol session's is implied). */
  readonly symbol?: string;
  readonly side: "buy" | "sell";
  readonly type: "market" | "limit" | "stop_market" | "stop_limit";
  readonly quantity?: number;
  readonly notional?: number;
  readonly price?: number;
  readonly stop_price?: number;
  readonly bracket?: { readonly stop_loss?: number; readonly take_profit?: number };
}

/** What a session needs to start: its strategy, market and execution settings. */
export interface SessionSetup {
  readonly symbol: string;
  /** A validated strategy (defaults applied, as `parseStrategy` returns it); not validated again. */
  readonly strategy: Strategy;
  readonly execution: ExecutionConfig;
  /** Equity sampling interval in exchange ms (default 60,000). */
  readonly equityIntervalMs?: number;
  /** The risk limits in force (default: those of the strategy's `risk` block). */
  readonly risk?: RiskLimits;
  /** Another symbol's last closed base candle, for cross-symbol references (portfolios only). */
  readonly peer?: (symbol: string) => Bar | undefined;
  /**
   * Takes the equity effects (samples and chart points) instead of the effect
   * list: one reused object, valid during the call only, so sampling
   * allocates nothing (for a consumer that reads them at once, as a backtest).
   */
  readonly onEquity?: (effect: EquityEffect) => void;
}

/** An equity effect: a sample, or a chart point (`periods` 0). */
export type EquityEffect = { readonly type: "equity" } & EquitySample;

/**
 * An equity effect to be filled in and reused for every sample (numbers from
 * the start: a field that starts undefined boxes every store).
 */
export function reusableEquityEffect(): EquityEffect {
  return { type: "equity", time: NaN, equity: NaN, exposed: false, periods: 0, exposed_ms: NaN };
}

/**
 * The durable part of a session's state: plain JSON, written in the same
 * transaction as the events it includes, so a restored book always agrees with
 * its history. Indicators are not in it: they warm up again from history.
 */
export interface SessionSnapshot {
  readonly version: 1;
  readonly account: Account;
  readonly metrics: MetricsState;
  /** Entries stacked in the open position (for pyramiding limits). */
  readonly entries: number;
  readonly paused: boolean;
  /** Exchange time of the last market event processed. */
  readonly time: number;
  /** Trading state and risk counters (absent in snapshots from before the risk engine: active). */
  readonly risk?: RiskState;
}

/** Why a signal was or was not turned into an order. */
export type SignalAction = "acted" | "ignored";

/** Everything a session step can produce. Each is appended to the event log. */
export type SessionEffect =
  | { readonly type: "order"; readonly time: number; readonly order: Order }
  | {
    readonly type: "fill";
    readonly time: number;
    readonly fill: Fill;
    readonly position: Position;
  }
  | { readonly type: "trade_closed"; readonly time: number; readonly trade: ClosedTrade }
  | {
    readonly type: "signal";
    readonly time: number;
    /** The symbol whose candle fired it. */
    readonly symbol: string;
    readonly signal: Signal;
    readonly action: SignalAction;
    readonly note?: string;
  }
  | EquityEffect
  | RiskEvent;

/** A read-only picture of a session for APIs and dashboards. */
export interface SessionView {
  readonly symbol: string;
  readonly phase: "warming_up" | "running";
  readonly paused: boolean;
  readonly warmup: { readonly done: number; readonly total: number };
  readonly position: Position;
  readonly cash: number;
  readonly free_cash: number;
  readonly equity: number;
  readonly last_price: number | null;
  readonly time: number;
  readonly open_orders: readonly Order[];
  readonly metrics: Metrics;
  /**
   * Candles on which the entry rules contradicted each other (long and short
   * both true, or an entry and the exit of the side held) so nothing fired,
   * since the session (or its worker) started trading.
   */
  readonly conflicts: number;
  /** The trading state and why. */
  readonly risk: RiskView;
  /** A portfolio's symbols (absent for one symbol): then `symbol` and `position` are the first's. */
  readonly symbols?: readonly string[];
  /** A portfolio's view of each symbol (absent for one symbol). */
  readonly per_symbol?: Readonly<Record<string, SymbolView>>;
}

/**
 * One paper trading session as a deterministic state machine over market
 * events: candles → indicators → signals → orders → fills → positions →
 * metrics. No I/O, no clock, no randomness: the same events in the same order
 * produce the same effects, in a backtest and in a live session alike.
 *
 * Semantics: entry/exit rules are evaluated when a candle closes (the first
 * trade of the next candle closes it); market orders then fill at that trade's
 * price or the current quote, with slippage. Stops, take profits and trailing
 * stops are orders in the book and are checked on every trade. When a paused
 * session's indicators keep updating, its signals are recorded but not acted on
 * (protective orders already in the book stay active).
 */
export class SessionCore {
  readonly #symbol: string;
  readonly #compiled: CompiledStrategy;
  readonly #evaluator: StrategyEvaluator;
  readonly #account: Account;
  readonly #wallet: Wallet | undefined;
  readonly #metrics: MetricsState;
  readonly #risk: RiskEngine;
  /** A portfolio symbol's own loss-streak and stop-out cooldowns (undefined alone). */
  readonly #symbolRisk: RiskEngine | undefined;
  readonly #exec: ExecEvent[] = [];
  readonly #signals: Signal[] = [];
  #out: SessionEffect[] = [];
  /** Conflicts counted while warming up on history (not decisions of this session). */
  #warmConflicts = 0;
  #entries: number;
  #paused: boolean;
  /** A number from the start (an undeclared field starts as undefined and boxes every store). */
  #time = 0;
  /** The equity effect being emitted, one object reused. */
  readonly #sample = reusableEquityEffect();
  readonly #onEquity: ((effect: EquityEffect) => void) | undefined;
  /** The account's position in the symbol, once it exists (positions are never removed). */
  #position: PositionState | undefined = undefined;
  /** The account's market state of the symbol, once it exists (never removed either). */
  #market: MarketState | undefined = undefined;
  /**
   * The quiet span that the trades after the last one taken in full join
   * (see `quiet_span.ts`): open only between calls of {@link trade}, every
   * other entry ends it first.
   */
  readonly #span = new QuietSpan();

  /**
   * With a `wallet`, the session is one symbol of a portfolio: it trades the
   * wallet's shared account under its limits, and its metrics (and equity
   * observations, not emitted as effects) are the symbol's share; `risk` is
   * then the portfolio's one risk engine, shared by its symbols, and
   * `symbolRisk` the symbol's own cooldowns.
   */
  constructor(
    setup: SessionSetup,
    snapshot?: SessionSnapshot,
    wallet?: Wallet,
    risk?: RiskEngine,
    symbolRisk?: RiskEngine,
  ) {
    this.#symbol = setup.symbol;
    this.#wallet = wallet;
    this.#onEquity = setup.onEquity;
    if (!wallet) {
      const problem = symbolReferenceProblems(setup.strategy, [setup.symbol])[0];
      if (problem) throw new RangeError(`${problem.path}: ${problem.message}`);
    }
    this.#compiled = planStrategy(setup.strategy);
    this.#evaluator = new StrategyEvaluator(this.#compiled, {
      onSignal: (signal) => this.#signals.push(signal),
      peer: setup.peer,
    });
    this.#account = wallet?.account ??
      (snapshot ? structuredClone(snapshot.account) : createAccount(setup.execution));
    const fresh = createMetrics({
      interval_ms: setup.equityIntervalMs,
      initial_equity: wallet?.allotment ?? setup.execution.initial_cash,
    });
    // Snapshots written before a metrics field existed take its fresh value.
    this.#metrics = snapshot
      ? {
        ...fresh,
        last_time: snapshot.time,
        ...structuredClone<Partial<MetricsState>>(snapshot.metrics),
      }
      : fresh;
    this.#entries = snapshot?.entries ?? 0;
    this.#paused = snapshot?.paused ?? false;
    this.#time = snapshot?.time ?? 0;
    this.#risk = risk ??
      new RiskEngine(setup.risk ?? pickLimits(setup.strategy.risk), snapshot?.risk);
    this.#symbolRisk = symbolRisk;
    this.#syncPosition();
  }

  /**
   * Feeds warm-up history (closed candles, oldest first) without trading on
   * it, then `trades` (after the last candle: the forming candle's trades the
   * restored state already includes, which rebuild it).
   */
  warm(candles: readonly Candle[], trades: readonly Trade[] = []): void {
    this.#settle();
    for (const candle of candles) this.#evaluator.onCandle(candle);
    for (const trade of trades) this.#evaluator.onTrade(trade);
    this.#signals.length = 0;
    this.#warmConflicts = this.#evaluator.stats.conflicts;
  }

  /** Processes one market event, appending what it caused to `out`. */
  step(event: MarketEvent, out: SessionEffect[]): void {
    if (event.symbol !== this.#symbol) return;
    this.#out = out;
    this.#settle();
    if (event.type === "trade") this.#onTrade(event);
    else if (event.type === "quote") this.#onQuote(event);
    else if (event.closed) this.#onCandle(event);
  }

  /**
   * Processes one trade of this session's symbol ({@link step} without the
   * symbol and type checks, for a caller that made them once for many
   * trades). A trade that joins the quiet span is taken there; any other
   * ends it and goes the full way, after which a new span may open.
   */
  trade(trade: Trade, out: SessionEffect[]): void {
    if (this.#span.take(trade)) return;
    this.#out = out;
    this.#settle();
    this.#onTrade(trade);
    this.#openSpan();
  }

  /**
   * Opens a quiet span after a trade taken in full, when the trades that
   * follow can change nothing but running values (see `quiet_span.ts`): a
   * session of its own (not a portfolio's symbol) whose open orders rest at
   * price levels (the span takes trades strictly between them, before any
   * order arrives: see `resting_band.ts`), with no short position, no risk
   * rule watching, and one forming candle that took the last trade; it lasts
   * until that candle ends or an equity sample falls due.
   */
  #openSpan(): void {
    const metrics = this.#metrics;
    const market = this.#market;
    const pos = this.#position ?? this.#positionState();
    if (
      this.#wallet !== undefined || this.#risk.watching === true || market === undefined ||
      (pos !== undefined && pos.quantity < 0) || metrics.started !== true ||
      metrics.last_time !== this.#time
    ) return;
    const span = this.#span;
    span.before = metrics.next_boundary;
    span.floor = 0;
    span.ceiling = Infinity;
    if (
      this.#account.orders.length > 0 && !narrowToResting(this.#account, this.#symbol, span)
    ) return;
    span.time = this.#time;
    this.#evaluator.startRun(span);
    span.market = market;
    span.exposed = metrics.last_exposed;
    span.exposedMs = metrics.pending_exposed_ms;
  }

  /** Ends the quiet span, writing what its trades did into the state (before anything reads or changes it). */
  #settle(): void {
    const span = this.#span;
    if (span.count > 0) this.#writeSpan(span);
    span.close();
  }

  /** Writes what the trades of a quiet span did: as the full path would have left it after each. */
  #writeSpan(span: QuietSpan): void {
    const time = span.time;
    const price = span.price;
    this.#time = time;
    const market = this.#market!;
    market.last = price;
    market.last_time = time;
    const held = this.#position;
    const metrics = this.#metrics;
    // The equity as {@link #observe} values it, stored on each branch (see there).
    metrics.last_equity = this.#account.cash;
    if (held !== undefined) {
      held.mark_price = price;
      revalue(held);
      if (held.quantity !== 0) {
        metrics.last_equity = this.#account.cash + held.quantity * held.mark_price;
      }
    }
    this.#evaluator.endRun(span);
    metrics.pending_exposed_ms = span.exposedMs;
    metrics.last_time = time;
  }

  /**
   * Takes the symbol's L2 book: while fresh, fills walk it and resting limits
   * queue behind it (the book fill model, see `execution/book.ts`).
   */
  book(book: BookTop, out: SessionEffect[]): void {
    if (book.symbol !== this.#symbol) return;
    this.#out = out;
    this.#settle();
    onBook(this.#account, book, this.#exec);
    this.#drainExec();
  }

  /** Stops acting on signals (indicators keep updating). */
  pause(): void {
    this.#paused = true;
  }

  /** Acts on signals again. */
  resume(): void {
    this.#paused = false;
  }

  /** Cancels every open order (on stop); open positions stay and are marked to market. */
  cancelOrders(out: SessionEffect[]): void {
    this.#out = out;
    this.#settle();
    cancelAll(this.#account, this.#symbol, this.#time, this.#exec);
    this.#drainExec();
  }

  /**
   * Force exit: cancels every open order, then flattens the position with a
   * reduce-only market order tagged `close` (filled at once without latency,
   * else on the next trade). Protective orders are gone either way. `time`
   * (default: this symbol's last trade) stamps the orders, for a portfolio
   * closing a leg when another leg's event moved its clock.
   */
  closePosition(out: SessionEffect[], time?: number): void {
    this.#out = out;
    this.#settle();
    this.#close(this.#symbol, time ?? this.#time);
    this.#drainExec();
  }

  /** Cancels the open orders of `symbol` and flattens its position with a reduce-only market order. */
  #close(symbol: string, time = this.#time): void {
    cancelAll(this.#account, symbol, time, this.#exec);
    const held = heldQuantity(this.#account, symbol);
    if (held === 0) return;
    submitOrder(
      this.#account,
      {
        symbol,
        side: held > 0 ? "sell" : "buy",
        type: "market",
        quantity: Math.abs(held),
        reduce_only: true,
        tag: "close",
      },
      time,
      this.#exec,
    );
  }

  /**
   * Submits a trader's order through the same execution path as the
   * strategy's (validation, reservations, fees, slippage), tagged `manual`.
   * A notional becomes a quantity at the order's price, else the last price;
   * a bracket on the wrong side of that price is rejected before anything is
   * placed. Returns the order as it stands (possibly `rejected`, with the reason).
   */
  placeOrder(request: ManualOrder, out: SessionEffect[]): Order {
    this.#out = out;
    this.#settle();
    const reference = request.price ?? request.stop_price ??
      this.#account.markets[this.#symbol]?.last ?? 0;
    const quantity = request.quantity ??
      (reference > 0 ? (request.notional ?? 0) / reference : 0);
    const submitted: OrderRequest = {
      symbol: this.#symbol,
      side: request.side,
      type: request.type,
      quantity,
      ...(request.price === undefined ? {} : { price: request.price }),
      ...(request.stop_price === undefined ? {} : { stop_price: request.stop_price }),
      ...(request.bracket ? { bracket: { ...request.bracket } } : {}),
      tag: "manual",
    };
    const misplaced = request.bracket && bracketProblem(request.side, reference, request.bracket);
    const order = misplaced
      ? rejectOrder(this.#account, submitted, misplaced, this.#time, this.#exec)
      : this.#placeChecked(submitted, reference);
    this.#drainExec();
    this.#applyRisk();
    return order;
  }

  /**
   * An operator's or the kill switch's trading-state change (`flatten` closes
   * every position when halting). With `only`, changes nothing unless the
   * current state was set by that rule; `at` dates the change when the session
   * has seen no market event since (exchange ms, e.g. its last warm-up
   * candle). Returns whether the state changed.
   */
  setTradingState(
    state: TradingState,
    rule: "manual" | "kill_switch",
    out: SessionEffect[],
    options: { flatten?: boolean; only?: RiskRule; at?: number } = {},
  ): boolean {
    this.#out = out;
    this.#settle();
    const time = Math.max(this.#time, options.at ?? 0);
    const changed = this.#risk.set(state, rule, time, out, options);
    this.#applyRisk();
    return changed;
  }

  /** Replaces the risk limits in force (the account-wide limits changed). */
  setRiskLimits(limits: RiskLimits): void {
    this.#settle();
    this.#risk.setLimits(limits);
  }

  /** Cancels one open order (its bracket children stay); false when no open order has that id. */
  cancelOrder(orderId: string, out: SessionEffect[]): boolean {
    this.#out = out;
    this.#settle();
    const cancelled = cancelOrder(this.#account, orderId, this.#time, this.#exec);
    this.#drainExec();
    return cancelled;
  }

  /** The durable state (a deep copy, safe to serialise later). */
  snapshot(): SessionSnapshot {
    return structuredClone(this.state());
  }

  /**
   * The durable state without a copy: live references, for serialising at
   * once (`postMessage` copies it). Never keep or change it.
   */
  state(): SessionSnapshot {
    this.#settle();
    return {
      version: 1,
      account: this.#account,
      metrics: this.#metrics,
      entries: this.#entries,
      paused: this.#paused,
      time: this.#time,
      risk: this.#risk.durable(),
    };
  }

  /** A picture of the session for APIs. */
  view(): SessionView {
    this.#settle();
    const warmup = this.#evaluator.warmup();
    const pos = position(this.#account, this.#symbol);
    return {
      symbol: this.#symbol,
      phase: warmup.done >= warmup.total ? "running" : "warming_up",
      paused: this.#paused,
      warmup,
      position: pos,
      cash: this.#account.cash,
      free_cash: freeCash(this.#account),
      equity: equity(this.#account),
      last_price: pos.mark_price > 0 ? pos.mark_price : null,
      time: this.#time,
      open_orders: openOrders(this.#account),
      metrics: metricsOf(this.#metrics),
      conflicts: this.#evaluator.stats.conflicts - this.#warmConflicts,
      // A symbol's own cooldown shows while the session itself is active.
      risk:
        (this.#symbolRisk?.state === "reducing" && this.#risk.state === "active"
          ? this.#symbolRisk
          : this.#risk).view(),
    };
  }

  /** The last closed base-timeframe candle (a reused view; NaN fields before the first). */
  get lastBar(): Bar {
    return this.#evaluator.lastBar;
  }

  /**
   * Acts on a signal another symbol's rules gave (this symbol is a leg of a
   * multi-leg entry or exit), at `time`, as if it were this symbol's own:
   * sized, protected and recorded the same way; its price is this symbol's
   * last close.
   */
  follow(signal: Signal, time: number, out: SessionEffect[]): void {
    this.#out = out;
    this.#settle();
    const close = this.#evaluator.lastBar.close;
    this.#signals.push({ ...signal, price: close === close ? close : signal.price });
    this.#actOnSignals(time);
  }

  /** Closes every forming candle that ended before `time` (a quiet market's clock tick). */
  closeCandles(time: number, out: SessionEffect[]): void {
    this.#out = out;
    this.#settle();
    this.#evaluator.closeCandles(time);
    this.#actOnSignals(time);
  }

  /** The last closed candles of a timeframe (up to 500), oldest first. */
  candles(timeframe: Timeframe): readonly Candle[] {
    return this.#evaluator.candles(timeframe);
  }

  /** Warm-up progress in base-timeframe candles. */
  warmup(): { done: number; total: number } {
    return this.#evaluator.warmup();
  }

  #onTrade(trade: Trade): void {
    // The one check of a trade: the account and the evaluator take it unchecked.
    if (!usableTrade(trade)) return this.#drop();
    this.#time = trade.time;
    // Cold paths in calls: this path is inlined into the caller's loop, where
    // all its bytecode counts against the compiler's inlining budget.
    applyTradeTo(
      this.#account,
      this.#market ?? this.#marketState(),
      this.#position ?? this.#positionState(),
      trade,
      this.#exec,
    );
    // Guarded here: the drain is too large to be inlined, and nearly every trade leaves nothing.
    if (this.#exec.length > 0) this.#drainExec();
    this.#evaluator.onUsableTrade(trade);
    // Guarded here: a call that is not inlined would box the time it is given.
    if (this.#signals.length > 0) this.#actOnSignals(trade.time);
    this.#sample.time = trade.time;
    this.#observe();
    if (this.#risk.watching === true || this.#symbolRisk?.watching === true) {
      this.#riskAfterTrade(trade);
    }
  }

  /** Counts a trade that cannot be used (not finite, price not positive). */
  #drop(): void {
    this.#account.totals.dropped++;
  }

  /** The account's market state of the symbol, created on the first trade. */
  #marketState(): MarketState {
    return this.#market = marketOf(this.#account, this.#symbol);
  }

  /** The account's position in the symbol, once it exists. */
  #positionState(): PositionState | undefined {
    return this.#position = this.#account.positions[this.#symbol];
  }

  /** Lets the risk engines that watch the account see it after a trade, and acts on what they decide. */
  #riskAfterTrade(trade: Trade): void {
    if (this.#risk.watching) {
      this.#risk.afterTrade(this.#account, trade.time, this.#out);
      this.#applyRisk();
    }
    if (this.#symbolRisk?.watching) {
      this.#symbolRisk.afterTrade(this.#account, trade.time, this.#out);
      this.#applyRisk();
    }
  }

  #onQuote(quote: Quote): void {
    onQuote(this.#account, quote, this.#exec);
    this.#drainExec();
  }

  #onCandle(candle: Candle): void {
    this.#evaluator.onCandle(candle);
    this.#actOnSignals(candle.closeTime);
  }

  /**
   * Observes the equity at the time in {@link #sample} (the caller's: the
   * trade just processed, or a fill). The observation goes in that object,
   * each number stored on its own branch: a number handed to a call, or
   * chosen by a condition, is boxed where this is not fully optimised (it
   * runs once per trade taken in full).
   */
  #observe(): void {
    // Strict comparisons, not truthiness (see `observeEquity`).
    if (this.#wallet !== undefined) return this.#observeShare(this.#wallet);
    // O(1): a session's own account holds positions in its symbol only, so its
    // equity (cash + Σ quantity × mark) has one term, added as `equity()` adds it.
    const held = this.#position ?? this.#positionState();
    const sample = this.#sample;
    const time = sample.time;
    sample.equity = this.#account.cash;
    sample.exposed = false;
    if (held !== undefined && held.quantity !== 0) {
      sample.equity = this.#account.cash + held.quantity * held.mark_price;
      sample.exposed = true;
    }
    // The first observation is a chart point too, so the equity curve starts with the session.
    const starting = this.#metrics.started !== true;
    if (observeSample(this.#metrics, sample) !== null) this.#emitEquity();
    else if (starting) this.#point(time);
  }

  /** {@link #observe} of a portfolio's symbol: its share of the wallet (observed, not emitted). */
  #observeShare(wallet: Wallet): void {
    const pos = this.#account.positions[this.#symbol];
    const value = wallet.allotment + (pos ? pos.realized_pnl + pos.unrealized_pnl : 0) -
      this.#metrics.fees;
    observeEquity(
      this.#metrics,
      this.#sample.time,
      value,
      pos !== undefined && pos.quantity !== 0,
      this.#sample,
    );
  }

  /** Observes the equity a fill left and records it as a chart point. */
  #pointAfterFill(fill: Fill): void {
    const last = this.#metrics.last_time;
    const at = fill.time >= last ? fill : { time: last };
    this.#sample.time = at.time;
    this.#observe();
    // A portfolio's symbol only observes: the portfolio draws the chart.
    if (!this.#wallet) this.#point(at.time);
  }

  /** Records the latest observed equity at `time` as a chart point (`periods` 0, not a return). */
  #point(time: number): void {
    const sample = this.#sample;
    sample.time = time;
    sample.equity = this.#metrics.last_equity;
    sample.exposed = this.#metrics.last_exposed;
    sample.periods = 0;
    sample.exposed_ms = 0;
    this.#emitEquity();
  }

  /** Hands the equity effect in {@link #sample} to `onEquity`, or appends a copy of it to the effects. */
  #emitEquity(): void {
    if (this.#onEquity) this.#onEquity(this.#sample);
    else this.#out.push({ ...this.#sample });
  }

  #actOnSignals(time: number): void {
    if (this.#signals.length === 0) return;
    for (const signal of this.#signals) {
      const note = this.#act(signal, time);
      this.#out.push({
        type: "signal",
        time: signal.time,
        symbol: this.#symbol,
        signal,
        action: note ? "ignored" : "acted",
        ...(note ? { note } : {}),
      });
      this.#drainExec();
    }
    this.#signals.length = 0;
  }

  /** Turns a signal into orders; returns why it was ignored, or undefined when acted on. */
  #act(signal: Signal, time: number): string | undefined {
    if (this.#paused) return "session paused";
    const warmup = this.#evaluator.warmup();
    if (warmup.done < warmup.total) return `warming up (${warmup.done}/${warmup.total})`;
    const held = heldQuantity(this.#account, this.#symbol);
    if (signal.kind === "exit") {
      const side = signal.side === "long" ? "sell" : "buy";
      if ((signal.side === "long" && held <= 0) || (signal.side === "short" && held >= 0)) {
        return "no position to exit";
      }
      const refused = this.#check(side, Math.abs(held), signal.price, true, signal.rule, time);
      if (refused) {
        this.#applyRisk();
        return `risk: ${refused.message}`;
      }
      cancelAll(this.#account, this.#symbol, time, this.#exec);
      this.#submit(
        { side, quantity: Math.abs(held), tag: signal.rule, reduce: true },
        signal,
        time,
      );
      return undefined;
    }
    const symbol = this.#symbol;
    if (openOrders(this.#account).some((o) => o.symbol === symbol && isEntryTag(o.tag))) {
      return "an entry order is still open";
    }
    if (signal.side === "short" && !this.#account.config.allow_short) {
      return "short selling is disabled for this session";
    }
    const refused = this.#wallet?.refuseEntry(symbol);
    if (refused !== undefined) return refused;
    const price = signal.price;
    const stopPrice = this.#evaluator.stopLossPrice(signal.side, price);
    const costPrice = Math.max(price, this.#account.markets[symbol]?.last ?? 0);
    const quantity = Math.min(
      this.#evaluator.entryQuantity({ equity: equity(this.#account), price, stopPrice }),
      affordableQuantity(this.#account, costPrice),
      this.#wallet?.stakeQuantity(symbol, costPrice) ?? Infinity,
    );
    const side = signal.side === "long" ? "buy" : "sell";
    const denied = this.#check(side, quantity, costPrice, false, signal.rule, time);
    if (denied) {
      this.#applyRisk();
      return `risk: ${denied.message}`;
    }
    const order = this.#submit(
      {
        side,
        quantity,
        tag: signal.rule,
        reduce: false,
        bracket: {
          stop_loss: stopPrice,
          take_profit: this.#evaluator.takeProfitPrice(signal.side, price),
        },
      },
      signal,
      time,
    );
    if (order.status === "rejected") return `order rejected: ${order.reason}`;
    this.#entries++;
    this.#syncPosition();
    return undefined;
  }

  #submit(
    request: {
      side: "buy" | "sell";
      quantity: number;
      tag: string;
      reduce: boolean;
      bracket?: { stop_loss?: number; take_profit?: number };
    },
    signal: Signal,
    time: number,
  ): Order {
    const plan = signal.kind === "entry" ? this.#compiled.entryOrder : this.#compiled.exitOrder;
    const limit = plan.type === "limit"
      ? signal.price * (1 + (request.side === "buy" ? -1 : 1) * plan.offsetPercent / 100)
      : undefined;
    const bracket = request.bracket?.stop_loss !== undefined ||
        request.bracket?.take_profit !== undefined
      ? request.bracket
      : undefined;
    return submitOrder(
      this.#account,
      {
        symbol: this.#symbol,
        side: request.side,
        type: limit === undefined ? "market" : "limit",
        quantity: request.quantity,
        ...(limit === undefined ? {} : { price: limit, time_in_force: "GTC" as const }),
        ...(request.reduce ? { reduce_only: true } : {}),
        ...(bracket ? { bracket } : {}),
        tag: request.tag,
      },
      time,
      this.#exec,
    );
  }

  /** Moves execution events into session effects and keeps the strategy's view of the book. */
  #drainExec(): void {
    const exec = this.#exec;
    if (exec.length === 0) return;
    // A round trip ends when a fill brings the position back to flat, not
    // merely while it is flat (a resting entry order must stay open).
    let flattened = false;
    let lastFill: Fill | undefined;
    let lastTag: string | undefined;
    for (let i = 0; i < exec.length; i++) {
      const event = exec[i];
      if (event.type === "order") {
        this.#out.push({ type: "order", time: event.order.updated_at, order: event.order });
        const exit = riskExitSignal(event.order);
        if (exit) {
          this.#out.push({
            type: "signal",
            time: exit.time,
            symbol: this.#symbol,
            signal: exit,
            action: "acted",
          });
        }
      } else if (event.type === "fill") {
        recordFill(this.#metrics, event.fill);
        if (event.position.quantity === 0) flattened = true;
        lastFill = event.fill;
        lastTag = event.fill.tag;
        this.#out.push({
          type: "fill",
          time: event.fill.time,
          fill: event.fill,
          position: event.position,
        });
        this.#maybeTrail(event.fill);
      } else {
        recordClosedTrade(this.#metrics, event.trade);
        this.#out.push({ type: "trade_closed", time: event.trade.exit_time, trade: event.trade });
        const stopOut = isStopOut(lastTag);
        this.#risk.afterRoundTrip(event.trade.pnl, stopOut, event.trade.exit_time, this.#out);
        this.#symbolRisk?.afterRoundTrip(
          event.trade.pnl,
          stopOut,
          event.trade.exit_time,
          this.#out,
        );
      }
    }
    exec.length = 0;
    if (flattened && this.#entries > 0 && heldQuantity(this.#account, this.#symbol) === 0) {
      this.#entries = 0;
      this.#evaluator.startCooldown();
      cancelAll(this.#account, this.#symbol, this.#time, exec);
      if (exec.length > 0) this.#drainExec();
    }
    this.#syncPosition();
    if (lastFill !== undefined) this.#pointAfterFill(lastFill);
  }

  /** The pre-trade risk check of an order about to go out: the refusal, or undefined. */
  #check(
    side: "buy" | "sell",
    quantity: number,
    price: number,
    reduce: boolean,
    tag: string,
    time: number,
  ): RiskEvent | undefined {
    const intent = { symbol: this.#symbol, side, quantity, price, reduce, tag };
    return this.#symbolRisk?.check(this.#account, intent, time, this.#out) ??
      this.#risk.check(this.#account, intent, time, this.#out);
  }

  /** Submits a trader's order unless a risk rule refuses it (then a rejected order naming the rule). */
  #placeChecked(request: OrderRequest, reference: number): Order {
    // Valued at the higher of its own price and the last trade (the whole position is at stake).
    const price = Math.max(
      request.price ?? request.stop_price ?? reference,
      this.#account.markets[this.#symbol]?.last ?? 0,
    );
    const refused = this.#check(
      request.side,
      request.quantity,
      price,
      false,
      request.tag ?? "manual",
      this.#time,
    );
    if (refused) {
      return rejectOrder(
        this.#account,
        request,
        `risk: ${refused.message} (${refused.rule})`,
        this.#time,
        this.#exec,
      );
    }
    return submitOrder(this.#account, request, this.#time, this.#exec);
  }

  /**
   * Carries out what the last trading-state change asks: cancel the open
   * orders that could add exposure (reducing or halted), or flatten every
   * position (a halt with flatten).
   */
  #applyRisk(): void {
    const account = this.#account;
    if (this.#symbolRisk?.takeAction() === "cancel_entries") {
      for (const order of [...account.orders]) {
        if (order.symbol === this.#symbol && !order.reduce_only) {
          cancelOrder(account, order.id, this.#time, this.#exec);
        }
      }
      this.#drainExec();
    }
    const action = this.#risk.takeAction();
    if (action === "none") return;
    if (action === "flatten") {
      for (const symbol in account.positions) {
        if (account.positions[symbol].quantity !== 0 || symbol === this.#symbol) {
          this.#close(symbol);
        }
      }
    } else {
      for (const order of [...account.orders]) {
        if (!order.reduce_only) cancelOrder(account, order.id, this.#time, this.#exec);
      }
    }
    this.#drainExec();
  }

  /** After an entry fill, protects it with the strategy's trailing stop, if any. */
  #maybeTrail(fill: Fill): void {
    if (!isEntryTag(fill.tag)) return;
    const distance = this.#evaluator.trailingDistance(fill.price);
    if (distance === undefined) return;
    submitOrder(
      this.#account,
      {
        symbol: this.#symbol,
        side: fill.side === "buy" ? "sell" : "buy",
        type: "trailing_stop",
        quantity: fill.quantity,
        trail_amount: distance,
        reduce_only: true,
        tag: "risk.trailing_stop",
      },
      fill.time,
      this.#exec,
    );
  }

  #syncPosition(): void {
    const held = heldQuantity(this.#account, this.#symbol);
    this.#evaluator.setPosition(held > 0 ? "long" : held < 0 ? "short" : "flat", this.#entries);
  }
}
