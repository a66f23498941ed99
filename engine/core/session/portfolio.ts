/**
 * A portfolio session: one strategy over several symbols with one wallet.
 * Each symbol runs its own {@link SessionCore} (candles, indicators, signals,
 * pyramiding limit) against the shared account of a {@link PortfolioWallet};
 * the portfolio adds the portfolio-wide metrics and views. Pure and
 * deterministic like the session core: same events, same effects.
 *
 * @module
 */
import type { MarketEvent } from "../types.ts";
import type { Strategy } from "../strategy/schema.ts";
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
import { RiskEngine } from "../risk/engine.ts";
import type { RiskView } from "../risk/events.ts";
import { pickLimits, type RiskLimits, splitByScope } from "../risk/limits.ts";
import { SessionCore, type SessionEffect } from "./session.ts";
import { portfolioQuote, PortfolioWallet } from "./wallet.ts";

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
  /** The symbol's trading state: its own cooldown, else the portfolio's state. */
  readonly risk: RiskView;
}

/** A read-only picture of a portfolio session. */
export interface PortfolioView {
  readonly symbols: readonly string[];
  readonly quote: string;
  readonly cash: number;
  readonly free_cash: number;
  readonly equity: number;
  readonly time: number;
  readonly open_orders: readonly Order[];
  readonly metrics: Metrics;
  readonly per_symbol: Readonly<Record<string, SymbolView>>;
  /** The portfolio's one trading state (every symbol shares it). */
  readonly risk: RiskView;
}

/** One strategy over many symbols, one wallet. */
export class PortfolioCore {
  readonly #symbols: readonly string[];
  readonly #quote: string;
  readonly #cores = new Map<string, SessionCore>();
  readonly #wallet: PortfolioWallet;
  readonly #metrics: MetricsState;
  readonly #risk: RiskEngine;
  #time = 0;

  /** Throws a RangeError for an empty or repeated symbol list, or mixed quote currencies. */
  constructor(setup: PortfolioSetup) {
    const symbols = setup.symbols.map((s) => s.toUpperCase());
    if (symbols.length === 0) throw new RangeError("a portfolio needs at least one symbol");
    const repeated = symbols.find((s, i) => symbols.indexOf(s) !== i);
    if (repeated) throw new RangeError(`symbol ${repeated} is listed twice`);
    this.#quote = portfolioQuote(symbols, setup.execution);
    this.#symbols = symbols;
    this.#wallet = new PortfolioWallet(
      createAccount(setup.execution),
      symbols,
      setup.strategy.portfolio,
    );
    this.#metrics = createMetrics({
      interval_ms: setup.equityIntervalMs,
      initial_equity: setup.execution.initial_cash,
    });
    const limits = splitByScope(setup.risk ?? pickLimits(setup.strategy.risk));
    this.#risk = new RiskEngine(limits.session);
    for (const symbol of symbols) {
      const own = limits.symbol && new RiskEngine(limits.symbol);
      this.#cores.set(
        symbol,
        new SessionCore({ ...setup, symbol }, undefined, this.#wallet, this.#risk, own),
      );
    }
  }

  /** Processes one market event of any of the symbols, appending what it caused to `out`. */
  step(event: MarketEvent, out: SessionEffect[]): void {
    const core = this.#cores.get(event.symbol);
    if (core === undefined) return;
    const start = out.length;
    core.step(event, out);
    this.#record(out, start);
    if (event.type === "trade") {
      this.#time = event.time;
      this.#observe(event.time, out);
    }
  }

  /** A picture of the portfolio and of each symbol. */
  view(): PortfolioView {
    const account = this.#wallet.account;
    const orders = openOrders(account);
    const perSymbol: Record<string, SymbolView> = {};
    for (const [symbol, core] of this.#cores) {
      const view = core.view();
      perSymbol[symbol] = {
        phase: view.phase,
        warmup: view.warmup,
        position: view.position,
        last_price: view.last_price,
        open_orders: orders.filter((o) => o.symbol === symbol),
        metrics: view.metrics,
        risk: view.risk,
      };
    }
    return {
      symbols: this.#symbols,
      quote: this.#quote,
      cash: account.cash,
      free_cash: freeCash(account),
      equity: equity(account),
      time: this.#time,
      open_orders: orders,
      metrics: metricsOf(this.#metrics),
      per_symbol: perSymbol,
      risk: this.#risk.view(),
    };
  }

  /** Adds the fees and round trips of the effects from `start` to the portfolio metrics. */
  #record(out: SessionEffect[], start: number): void {
    for (let i = start; i < out.length; i++) {
      const effect = out[i];
      if (effect.type === "fill") recordFill(this.#metrics, effect.fill);
      else if (effect.type === "trade_closed") recordClosedTrade(this.#metrics, effect.trade);
    }
  }

  #observe(time: number, out: SessionEffect[]): void {
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
    const sample = observeEquity(this.#metrics, time, value, exposed);
    if (sample) out.push({ type: "equity", ...sample });
  }
}
