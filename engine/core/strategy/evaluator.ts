/**
 * The incremental strategy evaluator of one session/symbol: aggregates trades
 * into candles of every timeframe the strategy uses, updates indicators on
 * candle close, evaluates entry/exit rules on each base candle close and
 * reports signals. The hot path does no allocation and no string lookup
 * unless a signal fires.
 *
 * @module
 */

import type { Candle, Timeframe, Trade } from "../types.ts";
import { usableTrade } from "../market/event_validator.ts";
import type { CandleAggregator, CandleRun } from "../market/candle_aggregator.ts";
import { CandleSeries } from "./candle_series.ts";
import { type CompiledStrategy, planOf } from "./plan.ts";
import type { Bar, Indicator } from "./indicator.ts";
import {
  compileCondition,
  type CompiledCondition,
  compileOperand,
  CrossTracker,
  IN_PLACE,
  type RuleScope,
} from "./rules.ts";
import type { Distance, Strategy } from "./schema.ts";
import type { Source } from "./vocabulary.ts";

/** The position the session holds, as far as rule selection is concerned. */
export type PositionSide = "flat" | "long" | "short";

/** A fired entry or exit rule. */
export interface Signal {
  /** closeTime of the candle that fired (exchange ms). */
  time: number;
  kind: "entry" | "exit";
  side: "long" | "short";
  /** Close of that candle. */
  price: number;
  /** The rule, e.g. `entry.long`. */
  rule: string;
  /** Human text, e.g. `rsi crosses_below 30 (rsi 28.41 ← 31.02)`. */
  reason: string;
  /** Operand values at that moment, by label. */
  values: Record<string, number>;
}

/** Options of {@link StrategyEvaluator}. */
export interface StrategyEvaluatorOptions {
  /** Called synchronously for every signal. */
  onSignal: (signal: Signal) => void;
  /**
   * The last closed base-timeframe candle of another symbol of the session
   * (a reused view), for cross-symbol references such as `close(ETHUSDT)`;
   * asked once per reference, on its first read. Without it, a strategy with
   * cross-symbol references is refused (RangeError).
   */
  peer?: (symbol: string) => Bar | undefined;
}

/**
 * Writes a source of a bar into `to[0]` (one function per source: a read by
 * a field name that varies is a generic load, and a number returned from a
 * call that is not inlined is boxed).
 */
type SourceWriter = (bar: Bar, to: Float64Array) => void;

const SOURCE_WRITERS: Record<Source, SourceWriter> = {
  close: (b, to) => {
    to[0] = b.close;
  },
  open: (b, to) => {
    to[0] = b.open;
  },
  high: (b, to) => {
    to[0] = b.high;
  },
  low: (b, to) => {
    to[0] = b.low;
  },
  hl2: (b, to) => {
    to[0] = (b.high + b.low) / 2;
  },
  hlc3: (b, to) => {
    to[0] = (b.high + b.low + b.close) / 3;
  },
  ohlc4: (b, to) => {
    to[0] = (b.open + b.high + b.low + b.close) / 4;
  },
  volume: (b, to) => {
    to[0] = b.volume;
  },
};

/** One indicator as wired in an evaluator. */
interface Node {
  readonly indicator: Indicator;
  /** Where its input is once `prepare` has run (NaN: upstream not ready, skip). */
  readonly input: Float64Array;
  readonly at: number;
  /** Brings the input up to date from the closed bar of its timeframe. */
  readonly prepare: (bar: Bar, input: Float64Array) => void;
}

/** A rule with its readiness gate. */
interface Rule {
  readonly name: string;
  readonly condition: CompiledCondition;
  /** Indicators that must be ready before the rule is evaluated. */
  readonly needs: readonly Indicator[];
}

function isReady(rule: Rule | undefined): boolean {
  if (!rule) return false;
  const needs = rule.needs;
  for (let i = 0; i < needs.length; i++) if (!needs[i].ready) return false;
  return true;
}

function validNumber(x: number): boolean {
  return typeof x === "number" && Number.isFinite(x);
}

/**
 * Incremental evaluator for one session/symbol.
 *
 * Semantics: rules evaluate on base candle close only. Which rules run depends
 * on {@link setPosition}: flat → entry.long and entry.short; long → exit.long,
 * and entry.long while open entries < maxOpenPositions (pyramiding); short →
 * the mirror. Conflict rule: when the exit and the entry rule of the side held
 * are both true on one candle, the exit wins (the entry is suppressed); when
 * flat and both entry rules are true, nothing fires. Both count in
 * `stats.conflicts`. During a cooldown ({@link startCooldown}) entries are
 * suppressed.
 */
export class StrategyEvaluator {
  /** Counters: base candles closed, signals fired, conflicts (see class doc). */
  readonly stats = { candles: 0, signals: 0, conflicts: 0 };

  #compiled: CompiledStrategy;
  #strategy: Strategy;
  #onSignal: (signal: Signal) => void;
  #series: CandleSeries[];
  /** The forming candles fed by trades: those of every series not fed closed candles directly. */
  #traded: CandleAggregator[];
  /** Series indices by descending duration: larger timeframes close first. */
  #closeOrder: number[];
  /** Nodes to update per timeframe, in dependency order. */
  #nodes: Node[][];
  #indicators: Indicator[];
  #trackers: CrossTracker[] = [];
  #entryLong?: Rule;
  #entryShort?: Rule;
  #exitLong?: Rule;
  #exitShort?: Rule;
  #position: PositionSide = "flat";
  #openEntries = 0;
  #cooldown = 0;
  #symbol = "";
  #atrStop?: Indicator;
  #atrTakeProfit?: Indicator;
  #atrTrailing?: Indicator;
  #peer?: (symbol: string) => Bar | undefined;
  /**
   * Every aggregated timeframe forms a candle that ends at or after this
   * time, so a trade up to it closes none (-Infinity: unknown, the next trade
   * checks every timeframe).
   */
  #quietUntil = -Infinity;
  /** The time of a clock tick ({@link closeCandles}), one object reused. */
  readonly #tick = { time: NaN };

  /** Creates an evaluator of a compiled strategy. */
  constructor(compiled: CompiledStrategy, options: StrategyEvaluatorOptions) {
    const plan = planOf(compiled);
    this.#compiled = compiled;
    this.#strategy = compiled.strategy;
    this.#onSignal = options.onSignal;
    this.#peer = options.peer;
    this.#series = compiled.timeframes.map((tf) => new CandleSeries(tf));
    this.#traded = this.#tradedAggregators();
    this.#closeOrder = this.#series.map((_, i) => i).sort((a, b) =>
      this.#series[b].ms - this.#series[a].ms
    );
    this.#indicators = plan.indicators.map((p) => p.type.create(p.params));
    this.#nodes = this.#series.map(() => []);
    const base = this.#series[0].bar;
    const peer = options.peer;
    const scope: RuleScope = {
      reference: (ref) => {
        const resolved = plan.resolve(ref);
        if (resolved.kind === "field") {
          const values = new Float64Array(1);
          const write = SOURCE_WRITERS[resolved.field];
          return { values, at: 0, compute: () => write(base, values) };
        }
        if (resolved.kind === "symbol") {
          if (peer === undefined) {
            throw new RangeError(
              `'${ref}' reads another symbol: cross-symbol rules need a portfolio session`,
            );
          }
          const symbol = resolved.symbol;
          const write = SOURCE_WRITERS[resolved.field];
          const values = Float64Array.of(NaN);
          let bar: Bar | undefined;
          const compute = () => {
            bar ??= peer(symbol);
            if (bar !== undefined) write(bar, values);
          };
          return { values, at: 0, compute };
        }
        const indicator = this.#indicators[resolved.index];
        return { values: indicator.out, at: resolved.output, compute: IN_PLACE, indicator };
      },
      track: (tracker) => this.#trackers.push(tracker),
    };
    plan.indicators.forEach((p, i) => {
      const indicator = this.#indicators[i];
      const source = p.input;
      let node: Node;
      if (source.kind === "indicator") {
        const upstream = this.#indicators[source.index];
        node = { indicator, input: upstream.out, at: source.output, prepare: IN_PLACE };
      } else if (source.kind === "expression") {
        const { values, at, compute } = compileOperand(source.operand, scope, new Set());
        node = { indicator, input: values, at, prepare: compute };
      } else {
        const prepare = SOURCE_WRITERS[source.kind === "source" ? source.source : "close"];
        node = { indicator, input: new Float64Array(1), at: 0, prepare };
      }
      this.#nodes[p.timeframe].push(node);
    });
    const risk = this.#strategy.risk;
    const atrOf = (distance: Distance | undefined) =>
      distance && "atr" in distance ? scope.reference(distance.atr).indicator : undefined;
    this.#atrStop = atrOf(risk.stop_loss);
    this.#atrTakeProfit = atrOf(risk.take_profit);
    this.#atrTrailing = atrOf(risk.trailing_stop);
    const riskNeeds = [this.#atrStop, this.#atrTakeProfit, this.#atrTrailing].filter((x) =>
      x !== undefined
    );
    const rule = (kind: "entry" | "exit", side: "long" | "short"): Rule | undefined => {
      const condition = this.#strategy[kind][side];
      if (!condition) return undefined;
      const needs = new Set<Indicator>(kind === "entry" ? riskNeeds : []);
      const compiledCondition = compileCondition(condition, scope, needs);
      return { name: `${kind}.${side}`, condition: compiledCondition, needs: [...needs] };
    };
    this.#entryLong = rule("entry", "long");
    this.#entryShort = rule("entry", "short");
    this.#exitLong = rule("exit", "long");
    this.#exitShort = rule("exit", "short");
  }

  /**
   * Feeds a trade: closes candles it ends and aggregates it into the candles of
   * every timeframe (malformed trades are ignored; a trade late for a timeframe,
   * see `CandleAggregator`, is ignored by that timeframe).
   */
  onTrade(trade: Trade): void {
    if (usableTrade(trade)) this.onUsableTrade(trade);
  }

  /**
   * {@link onTrade} for a trade already checked with `usableTrade`. Nearly
   * every trade closes no candle and is only folded, here without a call of
   * its own: this path is inlined into the session's trade path, where each
   * function's bytecode counts against the compiler's inlining budget.
   */
  onUsableTrade(trade: Trade): void {
    const closing = trade.time > this.#quietUntil;
    if (closing) {
      this.#symbol = trade.symbol;
      this.#closeBefore(trade);
    }
    const traded = this.#traded;
    for (let i = 0; i < traded.length; i++) traded[i].foldTrade(trade);
    if (closing) this.#findQuietUntil();
  }

  /**
   * Starts a run of trades from `run.time` on that close no candle and fold
   * in order into the one forming candle fed by trades (see
   * `CandleAggregator.startRun`); `until` is -Infinity when trades do not
   * take that path (not exactly one timeframe aggregated from trades, or the
   * trade at that time was not the latest it folded).
   */
  startRun(run: CandleRun): void {
    const traded = this.#traded;
    if (traded.length !== 1) {
      run.until = -Infinity;
      return;
    }
    traded[0].startRun(run);
    if (run.until > this.#quietUntil) run.until = this.#quietUntil;
  }

  /** Ends a run started with {@link startRun}: the forming candle takes its values. */
  endRun(run: Readonly<CandleRun>): void {
    this.#traded[0].endRun(run);
  }

  /** The forming candles of the series fed by trades (not fed closed candles directly). */
  #tradedAggregators(): CandleAggregator[] {
    return this.#series.filter((s) => !s.external).map((s) => s.aggregator);
  }

  /** Closes every forming candle whose closeTime < time (larger timeframes first, so they are current when the base rules run). */
  closeCandles(time: number): void {
    this.#quietUntil = -Infinity;
    this.#tick.time = time;
    this.#closeBefore(this.#tick);
  }

  /**
   * Sets {@link #quietUntil} to the earliest end of the aggregated
   * timeframes' forming candles (-Infinity when one forms none).
   */
  #findQuietUntil(): void {
    // Written in place, not carried in a local: a number carried around a loop may be boxed.
    this.#quietUntil = Infinity;
    const traded = this.#traded;
    for (let i = 0; i < traded.length; i++) {
      const aggregator = traded[i];
      if (!aggregator.forming) this.#quietUntil = -Infinity;
      else if (aggregator.closeTime < this.#quietUntil) this.#quietUntil = aggregator.closeTime;
    }
  }

  /**
   * Closes every forming candle ending before `at.time`, larger timeframes
   * first (the time in an object: a number handed to a call that is not
   * inlined is boxed).
   */
  #closeBefore(at: { readonly time: number }): void {
    const time = at.time;
    const order = this.#closeOrder;
    for (let k = 0; k < order.length; k++) {
      const i = order[k];
      const s = this.#series[i];
      if (s.aggregator.endsBefore(time)) {
        s.closeForming();
        this.#closed(i);
      }
    }
  }

  /**
   * Feeds a closed candle (kline data, warm-up history). Base-timeframe
   * candles drive rule evaluation and are also aggregated into the larger
   * timeframes unless those are fed directly; feed a larger-timeframe candle
   * before the base candle with the same closeTime. Candles not newer than
   * the last of their timeframe, not closed, malformed or of an unused
   * timeframe are ignored.
   */
  onCandle(candle: Candle): void {
    const i = this.#compiled.timeframes.indexOf(candle.timeframe);
    if (i < 0 || !candle.closed) return;
    const { openTime, closeTime, open, high, low, close, volume } = candle;
    if (![openTime, closeTime, open, high, low, close, volume].every(validNumber)) return;
    if (!(low > 0) || high < low || volume < 0) return;
    const s = this.#series[i];
    if (openTime <= s.bar.openTime) return;
    this.#symbol = candle.symbol;
    this.#quietUntil = -Infinity;
    if (i === 0) {
      for (const k of this.#closeOrder) {
        const higher = this.#series[k];
        if (k === 0 || higher.external) continue;
        const aggregator = higher.aggregator;
        if (aggregator.endsBefore(openTime)) {
          higher.closeForming();
          this.#closed(k);
        }
        if (!aggregator.fold(openTime, open, high, low, close, volume)) continue;
        aggregator.seal(closeTime);
        if (closeTime >= aggregator.closeTime) {
          higher.closeForming();
          this.#closed(k);
        }
      }
    } else {
      s.feedDirectly();
      this.#traded = this.#tradedAggregators();
    }
    s.push(candle);
    this.#closed(i);
  }

  /** Tells the evaluator the session's position (selects the rules evaluated; see class doc). */
  setPosition(side: PositionSide, openEntries: number): void {
    this.#position = side;
    this.#openEntries = side === "flat" ? 0 : openEntries;
  }

  /** Starts a cooldown of `cooldownCandles` base candles during which entries are suppressed. */
  startCooldown(): void {
    this.#cooldown = this.#compiled.cooldownCandles;
  }

  /** Warm-up progress in base-timeframe candles. */
  warmup(): { done: number; total: number } {
    const total = this.#compiled.warmupCandles;
    return { done: Math.min(this.stats.candles, total), total };
  }

  /** Current value of an indicator output or candle field (`rsi`, `macd.signal`, `close`); NaN if not ready or unknown. Not for the hot path. */
  value(ref: string): number {
    try {
      const resolved = planOf(this.#compiled).resolve(ref);
      if (resolved.kind === "field") return this.#series[0].bar[resolved.field];
      if (resolved.kind === "symbol") return this.#peer?.(resolved.symbol)?.[resolved.field] ?? NaN;
      const out = this.#indicators[resolved.index].out[resolved.output];
      return out === undefined ? NaN : out;
    } catch {
      return NaN;
    }
  }

  /** Distance implied by a risk setting at `entryPrice`; undefined when unset or its ATR is not ready. */
  #distance(
    distance: Distance | undefined,
    atr: Indicator | undefined,
    entryPrice: number,
  ): number | undefined {
    if (!distance) return undefined;
    if ("percent" in distance) return entryPrice * distance.percent / 100;
    return atr?.ready ? atr.out[0] * distance.multiple : undefined;
  }

  /** Stop-loss price for an entry at `entryPrice`; undefined when not configured (or its ATR is not ready). */
  stopLossPrice(side: "long" | "short", entryPrice: number): number | undefined {
    const d = this.#distance(this.#strategy.risk.stop_loss, this.#atrStop, entryPrice);
    return d === undefined ? undefined : side === "long" ? entryPrice - d : entryPrice + d;
  }

  /** Take-profit price for an entry at `entryPrice`; undefined when not configured (or its ATR is not ready). */
  takeProfitPrice(side: "long" | "short", entryPrice: number): number | undefined {
    const d = this.#distance(this.#strategy.risk.take_profit, this.#atrTakeProfit, entryPrice);
    return d === undefined ? undefined : side === "long" ? entryPrice + d : entryPrice - d;
  }

  /** Trailing-stop distance (absolute price) for an entry at `entryPrice`; undefined when not configured. */
  trailingDistance(entryPrice: number): number | undefined {
    return this.#distance(this.#strategy.risk.trailing_stop, this.#atrTrailing, entryPrice);
  }

  /** Quantity (base units, unrounded) for an entry per the sizing rule; 0 when it cannot be sized (e.g. zero stop distance). */
  entryQuantity(options: { equity: number; price: number; stopPrice?: number }): number {
    const { equity, price } = options;
    const sizing = this.#strategy.sizing;
    let qty: number;
    switch (sizing.type) {
      case "percent_of_equity":
        qty = equity * sizing.value / 100 / price;
        break;
      case "fixed_quantity":
        qty = sizing.value;
        break;
      case "fixed_notional":
        qty = sizing.value / price;
        break;
      case "risk_per_trade": {
        const stop = options.stopPrice ?? this.stopLossPrice("long", price);
        const distance = stop === undefined ? NaN : Math.abs(price - stop);
        qty = equity * sizing.value / 100 / distance;
        break;
      }
    }
    return Number.isFinite(qty) && qty > 0 ? qty : 0;
  }

  /** The last closed base-timeframe candle (a reused view; NaN fields before the first). */
  get lastBar(): Bar {
    return this.#series[0].bar;
  }

  /** Last closed candles of a timeframe (rolling window of 500), oldest first; empty for an unused timeframe. */
  candles(timeframe: Timeframe): readonly Candle[] {
    const i = this.#compiled.timeframes.indexOf(timeframe);
    return i < 0 ? [] : this.#series[i].candles(this.#symbol);
  }

  /** A candle of series `i` has closed: update its indicators, and evaluate when it is the base. */
  #closed(i: number): void {
    const bar = this.#series[i].bar;
    const nodes = this.#nodes[i];
    for (let k = 0; k < nodes.length; k++) {
      const node = nodes[k];
      const input = node.input;
      node.prepare(bar, input);
      const x = input[node.at];
      if (x === x) node.indicator.update(bar, input, node.at);
    }
    if (i === 0) this.#evaluate();
  }

  #evaluate(): void {
    this.stats.candles++;
    const trackers = this.#trackers;
    for (let k = 0; k < trackers.length; k++) trackers[k].step();
    const cooling = this.#cooldown > 0;
    if (cooling) this.#cooldown--;
    const position = this.#position;
    if (position === "flat") {
      if (cooling) return;
      const long = this.#holds(this.#entryLong);
      const short = this.#holds(this.#entryShort);
      if (long && short) this.stats.conflicts++;
      else if (long) this.#fire("entry", "long", this.#entryLong!);
      else if (short) this.#fire("entry", "short", this.#entryShort!);
      return;
    }
    const exitRule = position === "long" ? this.#exitLong : this.#exitShort;
    const entryRule = position === "long" ? this.#entryLong : this.#entryShort;
    const exit = this.#holds(exitRule);
    const entry = !cooling && this.#openEntries < this.#compiled.maxOpenPositions &&
      this.#holds(entryRule);
    if (exit) {
      if (entry) this.stats.conflicts++;
      this.#fire("exit", position, exitRule!);
    } else if (entry) this.#fire("entry", position, entryRule!);
  }

  #holds(rule: Rule | undefined): boolean {
    return isReady(rule) && rule!.condition.test();
  }

  #fire(kind: "entry" | "exit", side: "long" | "short", rule: Rule): void {
    const bar = this.#series[0].bar;
    const values: Record<string, number> = {};
    const reason = rule.condition.explain(values);
    this.stats.signals++;
    this.#onSignal({
      time: bar.closeTime,
      kind,
      side,
      price: bar.close,
      rule: rule.name,
      reason,
      values,
    });
  }
}
