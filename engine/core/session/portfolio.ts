/**
 * A portfolio session: one strategy over several symbols with one wallet.
 * Each symbol runs its own {@link SessionCore} (candles, indicators, signals,
 * pyramiding limit) against the shared account of a {@link PortfolioWallet};
 * the portfolio adds the portfolio-wide metrics and views. Pure and
 * deterministic like the session core: same events, same effects.
 *
 * @module
 */
import type { BookTop, Candle, MarketEvent, Trade } from "../types.ts";
import type { Leg, Strategy } from "../strategy/schema.ts";
import { symbolReferenceProblems } from "../strategy/cross_symbol.ts";
import type { ExecutionConfig } from "../execution/config.ts";
import type { Order, Position } from "../execution/types.ts";
import { createAccount, equity, freeCash, openOrders } from "../execution/account.ts";
import {
  createMetrics,
  type Metrics,
  metricsOf,
  type MetricsState,
  observeEquity,
  recordClosedTrade,
  recordFill,
} from "../metrics/metrics.ts";
import {
  type EquityEffect,
  type ManualOrder,
  reusableEquityEffect,
  SessionCore,
  type SessionEffect,
  type SessionSnapshot,
  type SessionView,
} from "./session.ts";
import { portfolioQuote, PortfolioWallet } from "./wallet.ts";
import { RiskEngine, type RiskState } from "../risk/engine.ts";
import type { RiskRule, RiskView, TradingState } from "../risk/events.ts";
import { pickLimits, type RiskLimits, splitByScope } from "../risk/limits.ts";

/** The strategy's own rules (protective exits are tagged after the entry they protect). */
const RULES = new Set(["entry.long", "entry.short", "exit.long", "exit.short"]);

/** What a portfolio session needs: its symbols (distinct, one quote currency), strategy and costs. */
export interface PortfolioSetup {
  readonly symbols: readonly string[];
  /** A validated strategy; its `portfolio` section sets the limits. */
  readonly strategy: Strategy;
  readonly execution: ExecutionConfig;
  /** Equity sampling interval in exchange ms (default 60,000). */
  readonly equityIntervalMs?: number;
  /** The risk limits in force over the whole portfolio (default: the strategy's `risk` block). */
  readonly risk?: RiskLimits;
  /** Takes the equity effects instead of the effect list (see {@link SessionSetup.onEquity}). */
  readonly onEquity?: (effect: EquityEffect) => void;
}

/** One symbol's durable share of a portfolio: its metrics and the entries stacked in its position. */
export interface SymbolSnapshot {
  readonly metrics: MetricsState;
  readonly entries: number;
  /** The symbol's own cooldowns (with `cooldown_per_symbol`). */
  readonly risk?: RiskState;
}

/**
 * The durable state of a portfolio session: the one account and the
 * portfolio's metrics (as a single session's snapshot has them, `entries` 0),
 * plus each symbol's share.
 */
export interface PortfolioSnapshot extends SessionSnapshot {
  readonly per_symbol: Readonly<Record<string, SymbolSnapshot>>;
}

/** Whether a stored snapshot is a portfolio's. */
export function isPortfolioSnapshot(snapshot: SessionSnapshot): snapshot is PortfolioSnapshot {
  return "per_symbol" in snapshot;
}

/** One symbol of a portfolio session, for APIs. */
export interface SymbolView {
  readonly phase: "warming_up" | "running";
  readonly warmup: { readonly done: number; readonly total: number };
  readonly position: Position;
  readonly last_price: number | null;
  readonly open_orders: readonly Order[];
  /** The symbol's share: its trades and fees, equity from an equal allotment of the cash. */
  readonly metrics: Metrics;
  /** Candles on which the symbol's entry rules contradicted each other. */
  readonly conflicts: number;
  /** The symbol's trading state: its own cooldown, else the portfolio's state. */
  readonly risk: RiskView;
}

/**
 * A read-only picture of a portfolio session: the fields of a single
 * session's view for the whole portfolio (`symbol`, `position` and
 * `last_price` are the first symbol's; `warmup` and `conflicts` add up over
 * the symbols), and each symbol's own view.
 */
export interface PortfolioView extends SessionView {
  readonly symbols: readonly string[];
  readonly quote: string;
  readonly per_symbol: Readonly<Record<string, SymbolView>>;
}

/** One strategy over many symbols, one wallet. */
export class PortfolioCore {
  readonly #symbols: readonly string[];
  readonly #quote: string;
  readonly #cores = new Map<string, SessionCore>();
  readonly #wallet: PortfolioWallet;
  readonly #metrics: MetricsState;
  /** The strategy's legs (symbols upper-cased), when it trades several symbols together. */
  readonly #legs: readonly Leg[] | undefined;
  #paused: boolean;
  /** The portfolio's one risk engine (every symbol shares it). */
  readonly #risk: RiskEngine;
  /** Each symbol's own cooldowns (with `cooldown_per_symbol`). */
  readonly #symbolRisk = new Map<string, RiskEngine>();
  #time = 0;
  /** The equity effect being emitted, one object reused (see `SessionCore`). */
  readonly #sample = reusableEquityEffect();
  readonly #onEquity: ((effect: EquityEffect) => void) | undefined;

  /**
   * Throws a RangeError for an empty or repeated symbol list, or mixed quote
   * currencies. With a `snapshot` (from {@link state}) it resumes that book.
   */
  constructor(setup: PortfolioSetup, snapshot?: PortfolioSnapshot) {
    const symbols = setup.symbols.map((s) => s.toUpperCase());
    if (symbols.length === 0) throw new RangeError("a portfolio needs at least one symbol");
    const repeated = symbols.find((s, i) => symbols.indexOf(s) !== i);
    if (repeated) throw new RangeError(`symbol ${repeated} is listed twice`);
    this.#quote = portfolioQuote(symbols, setup.execution);
    const problem = symbolReferenceProblems(setup.strategy, symbols)[0];
    if (problem) throw new RangeError(`${problem.path}: ${problem.message}`);
    this.#symbols = symbols;
    this.#onEquity = setup.onEquity;
    this.#legs = setup.strategy.legs?.map((leg) => ({ ...leg, symbol: leg.symbol.toUpperCase() }));
    this.#wallet = new PortfolioWallet(
      snapshot ? structuredClone(snapshot.account) : createAccount(setup.execution),
      symbols,
      setup.strategy.portfolio,
    );
    const fresh = createMetrics({
      interval_ms: setup.equityIntervalMs,
      initial_equity: setup.execution.initial_cash,
    });
    this.#metrics = snapshot
      ? { ...fresh, ...structuredClone<Partial<MetricsState>>(snapshot.metrics) }
      : fresh;
    this.#paused = snapshot?.paused ?? false;
    this.#time = snapshot?.time ?? 0;
    const scoped = splitByScope(setup.risk ?? pickLimits(setup.strategy.risk));
    this.#risk = new RiskEngine(scoped.session, snapshot?.risk);
    // With legs, only the first leg's rules run; the other symbols follow its signals.
    const follower = { ...setup.strategy, entry: {}, exit: {} };
    const peer = (symbol: string) => this.#cores.get(symbol)?.lastBar;
    for (const symbol of symbols) {
      const share = snapshot?.per_symbol[symbol];
      const own: SessionSnapshot | undefined = snapshot && share
        ? { ...snapshot, metrics: share.metrics, entries: share.entries }
        : undefined;
      const mine = scoped.symbol && new RiskEngine(scoped.symbol, share?.risk);
      if (mine) this.#symbolRisk.set(symbol, mine);
      const strategy = this.#legs && symbol !== this.#legs[0].symbol ? follower : setup.strategy;
      this.#cores.set(
        symbol,
        new SessionCore(
          { ...setup, strategy, symbol, peer },
          own,
          this.#wallet,
          this.#risk,
          mine,
        ),
      );
    }
  }

  /** The symbols, upper-cased, in the order given. */
  get symbols(): readonly string[] {
    return this.#symbols;
  }

  /**
   * Feeds warm-up history (closed candles of any of the symbols, oldest
   * first) without trading, then the forming candles' trades the restored
   * state already includes (see {@link SessionCore.warm}).
   */
  warm(candles: readonly Candle[], trades: readonly Trade[] = []): void {
    for (const [symbol, core] of this.#cores) {
      core.warm(
        candles.filter((c) => c.symbol === symbol),
        trades.filter((t) => t.symbol === symbol),
      );
    }
  }

  /** Processes one market event of any of the symbols, appending what it caused to `out`. */
  step(event: MarketEvent, out: SessionEffect[]): void {
    const core = this.#cores.get(event.symbol);
    if (core === undefined) return;
    const start = out.length;
    core.step(event, out);
    // Guarded here (legs move only on new effects): a call that is not inlined
    // would box the time it is given, on every trade.
    if (this.#legs !== undefined && out.length > start) {
      this.#moveLegs(out, start, event.type === "candle" ? event.closeTime : event.time);
    }
    const filledAt = this.#record(out, start);
    // A late trade of one symbol (after a later one of another) never moves the clock back.
    if (event.type === "trade" && event.time >= this.#time) {
      this.#time = event.time;
      this.#observe(event, out);
    }
    if (filledAt !== undefined) this.#pointAfterFill(filledAt, out);
  }

  /** Takes a symbol's L2 book (see {@link SessionCore.book}). */
  book(book: BookTop, out: SessionEffect[]): void {
    this.#apply(this.#cores.get(book.symbol), out, (core) => core.book(book, out));
  }

  /** Stops acting on signals on every symbol (indicators keep updating). */
  pause(): void {
    this.#paused = true;
    for (const core of this.#cores.values()) core.pause();
  }

  /** Acts on signals again. */
  resume(): void {
    this.#paused = false;
    for (const core of this.#cores.values()) core.resume();
  }

  /** Cancels every open order of every symbol (on stop); positions stay. */
  cancelOrders(out: SessionEffect[]): void {
    for (const core of this.#cores.values()) this.#apply(core, out, (c) => c.cancelOrders(out));
  }

  /**
   * Force exit of one symbol: cancels that symbol's open orders and flattens
   * its position (see {@link SessionCore.closePosition}); the other symbols'
   * orders and positions stay. Without a symbol, every symbol is closed.
   */
  closePosition(out: SessionEffect[], symbol?: string): void {
    const cores = symbol === undefined ? [...this.#cores.values()] : [this.#core(symbol)];
    for (const core of cores) this.#apply(core, out, (c) => c.closePosition(out));
  }

  /** A trader's order on one of the symbols (`request.symbol`; see {@link SessionCore.placeOrder}). */
  placeOrder(request: ManualOrder, out: SessionEffect[]): Order {
    let order!: Order;
    this.#apply(
      this.#core(request.symbol ?? this.#symbols[0]),
      out,
      (c) => order = c.placeOrder(request, out),
    );
    return order;
  }

  /** Cancels one open order of any symbol; false when no open order has that id. */
  cancelOrder(orderId: string, out: SessionEffect[]): boolean {
    const order = this.#wallet.account.orders.find((o) => o.id === orderId);
    const core = order && this.#cores.get(order.symbol);
    let cancelled = false;
    if (core) this.#apply(core, out, (c) => cancelled = c.cancelOrder(orderId, out));
    return cancelled;
  }

  /**
   * An operator's or the kill switch's trading-state change for the whole
   * portfolio (see {@link SessionCore.setTradingState}); a halt with
   * `flatten` closes every symbol's position.
   */
  setTradingState(
    state: TradingState,
    rule: "manual" | "kill_switch",
    out: SessionEffect[],
    options: { flatten?: boolean; only?: RiskRule; at?: number } = {},
  ): boolean {
    let changed = false;
    this.#apply(
      this.#core(this.#symbols[0]),
      out,
      (c) => changed = c.setTradingState(state, rule, out, options),
    );
    return changed;
  }

  /** Replaces the risk limits in force (the account-wide limits changed). */
  setRiskLimits(limits: RiskLimits): void {
    const scoped = splitByScope(limits);
    this.#risk.setLimits(scoped.session);
    for (const engine of this.#symbolRisk.values()) engine.setLimits(scoped.symbol ?? {});
  }

  /** Closes every forming candle of every symbol that ended before `time`. */
  closeCandles(time: number, out: SessionEffect[]): void {
    for (const core of this.#cores.values()) {
      this.#apply(core, out, (c) => c.closeCandles(time, out));
    }
  }

  /** The durable state (a deep copy, safe to serialise later). */
  snapshot(): PortfolioSnapshot {
    return structuredClone(this.state());
  }

  /** The durable state without a copy: live references (never keep or change it). */
  state(): PortfolioSnapshot {
    const perSymbol: Record<string, SymbolSnapshot> = {};
    for (const [symbol, core] of this.#cores) {
      const own = core.state();
      const mine = this.#symbolRisk.get(symbol)?.durable();
      perSymbol[symbol] = {
        metrics: own.metrics,
        entries: own.entries,
        ...(mine ? { risk: mine } : {}),
      };
    }
    return {
      version: 1,
      account: this.#wallet.account,
      metrics: this.#metrics,
      entries: 0,
      paused: this.#paused,
      time: this.#time,
      risk: this.#risk.durable(),
      per_symbol: perSymbol,
    };
  }

  /** A picture of the portfolio and of each symbol. */
  view(): PortfolioView {
    const account = this.#wallet.account;
    const orders = openOrders(account);
    const perSymbol: Record<string, SymbolView> = {};
    let done = 0, total = 0, conflicts = 0;
    for (const [symbol, core] of this.#cores) {
      const view = core.view();
      done += view.warmup.done;
      total += view.warmup.total;
      conflicts += view.conflicts;
      perSymbol[symbol] = {
        phase: view.phase,
        warmup: view.warmup,
        position: view.position,
        last_price: view.last_price,
        open_orders: orders.filter((o) => o.symbol === symbol),
        metrics: view.metrics,
        conflicts: view.conflicts,
        risk: view.risk,
      };
    }
    const first = perSymbol[this.#symbols[0]];
    return {
      symbol: this.#symbols[0],
      symbols: this.#symbols,
      quote: this.#quote,
      phase: Object.values(perSymbol).every((s) => s.phase === "running")
        ? "running"
        : "warming_up",
      paused: this.#paused,
      warmup: { done, total },
      position: first.position,
      cash: account.cash,
      free_cash: freeCash(account),
      equity: equity(account),
      last_price: first.last_price,
      time: this.#time,
      open_orders: orders,
      metrics: metricsOf(this.#metrics),
      conflicts,
      risk: this.#risk.view(),
      per_symbol: perSymbol,
    };
  }

  #core(symbol: string): SessionCore {
    const core = this.#cores.get(symbol.toUpperCase());
    if (core === undefined) {
      throw new RangeError(`${symbol} is not one of this session's symbols`);
    }
    return core;
  }

  /** Runs an action of one symbol's core and books what it appended to `out` in the portfolio. */
  #apply(
    core: SessionCore | undefined,
    out: SessionEffect[],
    action: (core: SessionCore) => void,
  ): void {
    if (core === undefined) return;
    const start = out.length;
    action(core);
    this.#moveLegs(out, start, this.#time);
    const filledAt = this.#record(out, start);
    if (filledAt !== undefined) this.#pointAfterFill(filledAt, out);
  }

  /**
   * Keeps the legs together over the effects from `start` (and those it adds):
   * an entry or exit rule acted on by the first leg is followed by every other
   * leg (an entry on the opposite side for an opposite leg); an entry some leg
   * could not follow closes the legs again; a fill that leaves a leg flat (an
   * exit, a stop, a target, a trader's close) closes the other legs.
   */
  #moveLegs(out: SessionEffect[], start: number, time: number): void {
    const legs = this.#legs;
    if (legs === undefined) return;
    for (let i = start; i < out.length; i++) {
      const effect = out[i];
      if (
        effect.type === "signal" && effect.symbol === legs[0].symbol &&
        effect.action === "acted" && RULES.has(effect.signal.rule)
      ) {
        const signal = effect.signal;
        let broken = false;
        for (let k = 1; k < legs.length; k++) {
          const leg = legs[k];
          const side = signal.side === "long" ? leg.side : leg.side === "long" ? "short" : "long";
          const from = out.length;
          this.#cores.get(leg.symbol)!.follow({ ...signal, side }, time, out);
          if (signal.kind === "entry") {
            broken ||= out.slice(from).some((e) => e.type === "signal" && e.action === "ignored");
          }
        }
        if (broken) { for (const leg of legs) this.#closeLeg(leg.symbol, time, out); }
      } else if (
        effect.type === "fill" && effect.position.quantity === 0 &&
        legs.some((leg) => leg.symbol === effect.fill.symbol)
      ) {
        for (const leg of legs) {
          if (leg.symbol !== effect.fill.symbol) this.#closeLeg(leg.symbol, time, out);
        }
      }
    }
  }

  /** Flattens one leg unless it is flat or an exit or close order of it is already open. */
  #closeLeg(symbol: string, time: number, out: SessionEffect[]): void {
    const account = this.#wallet.account;
    if ((account.positions[symbol]?.quantity ?? 0) === 0) return;
    const closing = openOrders(account).some((o) =>
      o.symbol === symbol && (o.tag === "close" || RULES.has(o.tag ?? "")) && o.reduce_only
    );
    if (!closing) this.#cores.get(symbol)!.closePosition(out, time);
  }

  /**
   * Adds the fees and round trips of the effects from `start` to the
   * portfolio metrics; returns the time of the last fill, if any.
   */
  #record(out: SessionEffect[], start: number): number | undefined {
    let filledAt: number | undefined;
    for (let i = start; i < out.length; i++) {
      const effect = out[i];
      if (effect.type === "fill") {
        recordFill(this.#metrics, effect.fill);
        filledAt = effect.fill.time;
      } else if (effect.type === "trade_closed") recordClosedTrade(this.#metrics, effect.trade);
    }
    return filledAt;
  }

  /** Observes the portfolio equity a fill left and records it as a chart point (`periods` 0). */
  #pointAfterFill(time: number, out: SessionEffect[]): void {
    const at = Math.max(time, this.#metrics.last_time);
    this.#observe({ time: at }, out);
    const sample = this.#sample;
    sample.time = at;
    sample.equity = this.#metrics.last_equity;
    sample.exposed = this.#metrics.last_exposed;
    sample.periods = 0;
    sample.exposed_ms = 0;
    this.#emitEquity(out);
  }

  /** Hands the equity effect in {@link #sample} to `onEquity`, or appends a copy of it to `out`. */
  #emitEquity(out: SessionEffect[]): void {
    if (this.#onEquity) this.#onEquity(this.#sample);
    else out.push({ ...this.#sample });
  }

  /** Observes the portfolio equity at `at.time` (an object: see `SessionCore`'s `#observe`). */
  #observe(at: { readonly time: number }, out: SessionEffect[]): void {
    const time = at.time;
    // equity(account) and the exposure in one pass (same sum, same order).
    const account = this.#wallet.account;
    let value = account.cash;
    let exposed = false;
    for (const symbol in account.positions) {
      const p = account.positions[symbol];
      if (p.quantity !== 0) {
        value += p.quantity * p.mark_price;
        exposed = true;
      }
    }
    if (observeEquity(this.#metrics, time, value, exposed, this.#sample)) this.#emitEquity(out);
  }
}
