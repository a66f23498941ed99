/**
 * A backtest: one {@link SessionCore} — the very state machine a paper
 * trading session runs — driven over recorded events, with its effects
 * collected into a result (round trips, fills, orders, metrics and chart
 * series). No warm-up history is fed: indicators warm up on the data itself,
 * exactly like a paper session started before the same stream. With several
 * symbols it drives a {@link PortfolioCore} (one wallet) instead, and the
 * result adds the symbols and the metrics per symbol.
 *
 * @module
 */
import type { BookTop, Candle, MarketEvent, Trade } from "../types.ts";
import type { TradeColumns } from "../market/mod.ts";
import {
  type EquityEffect,
  PortfolioCore,
  SessionCore,
  type SessionEffect,
  type SessionSetup,
  type SessionView,
} from "../session/mod.ts";
import type { ClosedTrade, Fill, Order, Position } from "../execution/mod.ts";
import type { Metrics } from "../metrics/mod.ts";
import type { RiskEvent } from "../risk/events.ts";
import { candleTrades } from "./synthesis.ts";
import { Downsampler, type SeriesPoint } from "./downsample.ts";

/** What a backtest needs: the session setup plus an optional time window. */
export interface BacktestSetup extends SessionSetup {
  /** Symbols of a portfolio backtest (two or more; `symbol` is then the first: its prices are charted). */
  readonly symbols?: readonly string[];
  /** Events before this exchange time (ms) are skipped. */
  readonly from?: number;
  /** Events after this exchange time (ms) are skipped. */
  readonly to?: number;
  /** Point budget of each chart series (default 2000). */
  readonly chartPoints?: number;
}

/** Everything a finished backtest reports. Times are exchange ms. */
export interface BacktestResult {
  readonly symbol: string;
  readonly strategy: string;
  /** Market events processed (synthetic trades of klines included). */
  readonly events: number;
  /** Recorded L2 book updates taken (0 when the recording has none). */
  readonly books: number;
  /** Exchange time of the first and last processed event (null when none). */
  readonly first_time: number | null;
  readonly last_time: number | null;
  /** Closed round trips, oldest first. */
  readonly trades: ClosedTrade[];
  readonly fills: Fill[];
  /** Every order in its final state, in submission order. */
  readonly orders: Order[];
  readonly signals: { readonly acted: number; readonly ignored: number };
  readonly metrics: Metrics;
  /** The session's state at the end (an open position stays open and marked to market). */
  readonly final: Pick<SessionView, "equity" | "cash" | "position" | "open_orders">;
  /** A portfolio backtest's symbols, and each symbol's position and metrics. */
  readonly symbols?: readonly string[];
  readonly per_symbol?: Readonly<
    Record<string, { readonly position: Position; readonly metrics: Metrics }>
  >;
  /** Risk events (trading-state changes, refused orders), oldest first. */
  readonly risk_events: RiskEvent[];
  /** Equity samples for charts: `[time, low, high, last]`. */
  readonly equity: SeriesPoint[];
  /** Trade prices of `symbol` (a portfolio's first symbol) for charts: `[time, low, high, last]`. */
  readonly prices: SeriesPoint[];
}

/** Runs a strategy over events and collects what it did. */
export class Backtest {
  readonly #core: SessionCore | PortfolioCore;
  readonly #symbol: string;
  readonly #symbols: ReadonlySet<string>;
  readonly #strategy: string;
  readonly #from: number;
  readonly #to: number;
  readonly #out: SessionEffect[] = [];
  readonly #synthetic: Trade[] = [];
  readonly #trades: ClosedTrade[] = [];
  readonly #fills: Fill[] = [];
  readonly #riskEvents: RiskEvent[] = [];
  readonly #orders = new Map<string, Order>();
  readonly #equity: Downsampler;
  readonly #prices: Downsampler;
  /** The value handed to a chart series (one object reused, numbers from the start). */
  readonly #point = { time: NaN, value: NaN };
  #acted = 0;
  #ignored = 0;
  #events = 0;
  #books = 0;
  // NaN until the first event: a number field from the start stays unboxed (no allocation per store).
  #first = NaN;
  #last = NaN;
  #nextSyntheticId = 1;
  /** The core of a single-symbol backtest (undefined for a portfolio). */
  readonly #single: SessionCore | undefined;
  /**
   * The trade {@link stepTrades} fills row by row: fields in the order and
   * number representation of every other trade, so code that takes trades sees one shape.
   */
  readonly #reused: { -readonly [K in keyof Trade]: Trade[K] } = {
    type: "trade",
    symbol: "",
    id: 0,
    price: NaN,
    qty: NaN,
    time: NaN,
    buyerMaker: false,
  };

  constructor(setup: BacktestSetup) {
    const symbols = setup.symbols ?? [setup.symbol];
    // Equity effects come straight to the chart, in one reused object: no allocation per sample.
    const onEquity = (effect: EquityEffect) => {
      this.#point.time = effect.time;
      this.#point.value = effect.equity;
      this.#equity.add(this.#point);
    };
    this.#single = symbols.length > 1 ? undefined : new SessionCore({ ...setup, onEquity });
    this.#core = this.#single ?? new PortfolioCore({ ...setup, symbols, onEquity });
    this.#symbol = setup.symbol;
    this.#symbols = new Set(symbols.map((s) => s.toUpperCase()));
    this.#strategy = setup.strategy.name;
    this.#from = setup.from ?? -Infinity;
    this.#to = setup.to ?? Infinity;
    const maxPoints = setup.chartPoints ?? 2000;
    this.#equity = new Downsampler({ maxPoints, widthMs: setup.equityIntervalMs ?? 60_000 });
    this.#prices = new Downsampler({ maxPoints });
  }

  /** Processes one market event (other symbols and events outside the window are skipped). */
  step(event: MarketEvent): void {
    if (event.symbol !== this.#symbol && !this.#symbols.has(event.symbol)) return;
    if (event.type === "trade") this.#trade(event);
    else this.#other(event);
  }

  /** A quote or candle of one of the symbols (a trade's path kept small, so it is inlined). */
  #other(event: Exclude<MarketEvent, Trade>): void {
    const time = event.type === "candle" ? event.closeTime : event.time;
    if (time < this.#from || time > this.#to) return;
    if (this.#events++ === 0) this.#first = time;
    this.#last = time;
    this.#core.step(event, this.#out);
    if (this.#out.length > 0) this.#collect(this.#out);
  }

  /**
   * Processes rows `start` to `end` (exclusive) of a batch of trades, as
   * {@link step} would take them one by one, through one reused trade object.
   */
  stepTrades(batch: TradeColumns, start = 0, end = batch.count): void {
    const symbol = batch.symbol;
    if (symbol !== this.#symbol && !this.#symbols.has(symbol)) return;
    const trade = this.#reused;
    trade.symbol = symbol;
    const { id, price, qty, time, buyerMaker } = batch;
    for (let i = start; i < end; i++) {
      trade.id = id[i];
      trade.price = price[i];
      trade.qty = qty[i];
      trade.time = time[i];
      trade.buyerMaker = buyerMaker[i] === 1;
      this.#trade(trade);
    }
  }

  /** A trade of one of the symbols: straight to the session core's trade entry. */
  #trade(trade: Trade): void {
    const time = trade.time;
    if (time < this.#from || time > this.#to) return;
    if (this.#events++ === 0) this.#first = time;
    this.#last = time;
    if (trade.symbol === this.#symbol) {
      this.#point.time = time;
      this.#point.value = trade.price;
      this.#prices.add(this.#point);
    }
    const out = this.#out;
    if (this.#single !== undefined) this.#single.trade(trade, out);
    else this.#core.step(trade, out);
    if (out.length > 0) this.#collect(out);
  }

  /**
   * Takes a recorded L2 book of the traded symbol (books outside the window,
   * and books of a portfolio backtest, are skipped): fills walk it while it
   * is fresh, as in a paper session.
   */
  book(book: BookTop): void {
    const core = this.#core;
    if (core instanceof PortfolioCore || book.symbol !== this.#symbol) return;
    if (book.time < this.#from || book.time > this.#to) return;
    this.#books++;
    core.book(book, this.#out);
    if (this.#out.length > 0) this.#collect(this.#out);
  }

  /**
   * Processes a kline as its synthetic trade sequence (see `synthesis.ts`);
   * candles that are not closed or lie outside the window are skipped.
   */
  stepKline(candle: Candle): void {
    if (!candle.closed) return;
    if (candle.symbol !== this.#symbol && !this.#symbols.has(candle.symbol)) return;
    if (candle.openTime < this.#from || candle.closeTime > this.#to) return;
    const trades = this.#synthetic;
    trades.length = 0;
    this.#nextSyntheticId = candleTrades(candle, this.#nextSyntheticId, trades);
    for (let i = 0; i < trades.length; i++) this.step(trades[i]);
  }

  /** The result so far (call at the end). */
  result(): BacktestResult {
    const core = this.#core;
    if (core instanceof PortfolioCore) {
      const view = core.view();
      const perSymbol = Object.fromEntries(
        Object.entries(view.per_symbol).map((
          [symbol, s],
        ) => [symbol, { position: s.position, metrics: s.metrics }]),
      );
      return {
        ...this.#collected(view.metrics),
        symbol: view.symbols.join(","),
        final: {
          equity: view.equity,
          cash: view.cash,
          position: view.per_symbol[view.symbols[0]].position,
          open_orders: view.open_orders,
        },
        symbols: view.symbols,
        per_symbol: perSymbol,
      };
    }
    const view = core.view();
    return {
      ...this.#collected(view.metrics),
      final: {
        equity: view.equity,
        cash: view.cash,
        position: view.position,
        open_orders: view.open_orders,
      },
    };
  }

  #collected(metrics: Metrics) {
    return {
      symbol: this.#symbol,
      strategy: this.#strategy,
      events: this.#events,
      books: this.#books,
      first_time: this.#events === 0 ? null : this.#first,
      last_time: this.#events === 0 ? null : this.#last,
      trades: [...this.#trades],
      fills: [...this.#fills],
      orders: [...this.#orders.values()],
      signals: { acted: this.#acted, ignored: this.#ignored },
      risk_events: [...this.#riskEvents],
      metrics,
      equity: this.#equity.points(),
      prices: this.#prices.points(),
    };
  }

  #collect(out: SessionEffect[]): void {
    for (let i = 0; i < out.length; i++) {
      const effect = out[i];
      switch (effect.type) {
        case "fill":
          this.#fills.push(effect.fill);
          break;
        case "order":
          this.#orders.set(effect.order.id, effect.order);
          break;
        case "trade_closed":
          this.#trades.push(effect.trade);
          break;
        case "signal":
          if (effect.action === "acted") this.#acted++;
          else this.#ignored++;
          break;
        case "risk":
          this.#riskEvents.push(effect);
          break;
      }
    }
    out.length = 0;
  }
}
