/**
 * Planning of a validated strategy into an immutable plan: the indicator
 * graph in dependency order, the timeframes it needs, its warm-up and the
 * order plans. Evaluators instantiate the plan per session. Free of
 * validation code, so session workers can plan without loading the schema.
 *
 * @module
 */

import { type Timeframe, timeframeMs } from "../types.ts";
import { type IndicatorType, indicatorType } from "./indicator_types.ts";
import type { IndicatorParams } from "./indicator_schemas.ts";
import { symbolReference } from "./cross_symbol.ts";
import type { Condition, Operand, Strategy } from "./schema.ts";
import {
  ARITHMETIC_OPERATORS,
  CANDLE_FIELDS,
  type CandleField,
  PAIR_OPERATORS,
  type Source,
} from "./vocabulary.ts";

/** How an order is placed: at market, or as a limit `offsetPercent` away from the close on the favourable side. */
export type OrderPlan =
  | { readonly type: "market" }
  | { readonly type: "limit"; readonly offsetPercent: number };

/** A compiled, immutable strategy; create evaluators from it with `new StrategyEvaluator(compiled, ...)`. */
export interface CompiledStrategy {
  readonly strategy: Strategy;
  /** Base timeframe (rules evaluate on its candle close). */
  readonly timeframe: Timeframe;
  /** All timeframes used (base first, then ascending). */
  readonly timeframes: readonly Timeframe[];
  /** Base-timeframe candles needed before all rules can be evaluated. */
  readonly warmupCandles: number;
  readonly maxOpenPositions: number;
  readonly cooldownCandles: number;
  readonly entryOrder: OrderPlan;
  readonly exitOrder: OrderPlan;
}

/** A resolved reference: a candle field of the base timeframe, or an output of a planned indicator. */
export type ResolvedRef =
  | { readonly kind: "field"; readonly field: CandleField }
  | { readonly kind: "indicator"; readonly index: number; readonly output: number }
  | { readonly kind: "symbol"; readonly field: CandleField; readonly symbol: string };

/** One indicator of the plan. */
export interface IndicatorPlan {
  readonly name: string;
  readonly type: IndicatorType<IndicatorParams>;
  readonly params: IndicatorParams;
  /** Index into {@link CompiledStrategy.timeframes}. */
  readonly timeframe: number;
  /** What it reads: a candle source, or an output of an earlier indicator of the plan. */
  readonly input:
    | { readonly kind: "source"; readonly source: Source }
    | { readonly kind: "indicator"; readonly index: number; readonly output: number }
    | { readonly kind: "expression"; readonly operand: Operand };
}

/** The evaluator-facing part of a compiled strategy. */
export interface StrategyPlan {
  /** Indicators in dependency order (inputs first). */
  readonly indicators: readonly IndicatorPlan[];
  /** Resolves an operand reference (validated by parsing). */
  resolve(ref: string): ResolvedRef;
}

const PLANS = new WeakMap<CompiledStrategy, StrategyPlan>();

/** The plan of a compiled strategy; throws TypeError for objects not made by {@link planStrategy}. */
export function planOf(compiled: CompiledStrategy): StrategyPlan {
  const plan = PLANS.get(compiled);
  if (!plan) throw new TypeError("not a compiled strategy: use compileStrategy()");
  return plan;
}

function orderPlan(order: Strategy["orders"]["entry"]): OrderPlan {
  return Object.freeze(
    order.type === "market" ? { type: "market" } : {
      type: "limit",
      offsetPercent: order.offset_percent,
    },
  );
}

/** Calls `visit` on every reference string in an operand. */
export function visitOperandRefs(operand: Operand, visit: (ref: string) => void): void {
  if (typeof operand === "string") visit(operand);
  else if (typeof operand === "object") {
    for (const op of ARITHMETIC_OPERATORS) {
      const pair = operand[op];
      if (pair) pair.forEach((o) => visitOperandRefs(o, visit));
    }
  }
}

/** Calls `visit` on every reference string in a condition; returns whether it uses a crossing. */
export function visitConditionRefs(condition: Condition, visit: (ref: string) => void): boolean {
  let crossing = false;
  for (const op of PAIR_OPERATORS) {
    const pair = condition[op];
    if (!pair) continue;
    if (op === "crosses_above" || op === "crosses_below") crossing = true;
    pair.forEach((o) => visitOperandRefs(o, visit));
  }
  for (const inner of [...condition.all ?? [], ...condition.any ?? []]) {
    crossing = visitConditionRefs(inner, visit) || crossing;
  }
  if (condition.not) crossing = visitConditionRefs(condition.not, visit) || crossing;
  return crossing;
}

/** The indicator an indicator reads (`input: macd.signal` → `macd`), if any. */
function inputName(params: IndicatorParams): string | undefined {
  const input = "input" in params ? params.input : undefined;
  return typeof input === "string" && !symbolReference(input) ? input.split(".")[0] : undefined;
}

/**
 * Compiles a strategy that is already validated (as `parseStrategy` returns
 * it, defaults applied) into an immutable plan: indicator graph,
 * timeframes, warm-up. Does not validate; use `compileStrategy` for
 * input that may be invalid.
 */
export function planStrategy(strategy: Strategy): CompiledStrategy {
  // Dependency order (inputs first): each indicator reads at most one other and
  // parsing rejected cycles, so walk each input chain up to what is placed.
  // Names are looked up in Maps only: no name can reach an object's prototype.
  const paramsOf = new Map(Object.entries(strategy.indicators));
  const order: string[] = [];
  const indexOf = new Map<string, number>();
  const timeframeOf = new Map<string, Timeframe>();
  for (const name of paramsOf.keys()) {
    const chain: string[] = [];
    for (let at: string | undefined = name; at !== undefined && !indexOf.has(at);) {
      chain.push(at);
      indexOf.set(at, -1);
      at = inputName(paramsOf.get(at)!);
    }
    for (let i = chain.length - 1; i >= 0; i--) {
      const at = chain[i];
      const params = paramsOf.get(at)!;
      const input = inputName(params);
      indexOf.set(at, order.length);
      order.push(at);
      timeframeOf.set(
        at,
        input ? timeframeOf.get(input)! : params.timeframe ?? strategy.timeframe,
      );
    }
  }
  const extra = [...new Set(timeframeOf.values())]
    .filter((tf) => tf !== strategy.timeframe)
    .sort((a, b) => timeframeMs(a) - timeframeMs(b));
  const timeframes = Object.freeze([strategy.timeframe, ...extra]);

  const resolve = (ref: string): ResolvedRef => {
    if ((CANDLE_FIELDS as readonly string[]).includes(ref)) {
      return { kind: "field", field: ref as CandleField };
    }
    const other = symbolReference(ref);
    if (other) return { kind: "symbol", ...other };
    const [name, output] = ref.split(".");
    const index = indexOf.get(name) ?? -1;
    if (index < 0) throw new TypeError(`unknown reference '${ref}'`);
    const outputs = indicatorType(paramsOf.get(name)!.type)!.outputs;
    return { kind: "indicator", index, output: output ? outputs.indexOf(output) : 0 };
  };

  const indicators = order.map((name): IndicatorPlan => {
    const params = paramsOf.get(name)!;
    const input = "input" in params ? params.input : undefined;
    const upstream = typeof input === "string" ? resolve(input) : undefined;
    const plan: IndicatorPlan = {
      name,
      type: indicatorType(params.type)!,
      params,
      timeframe: timeframes.indexOf(timeframeOf.get(name)!),
      input: upstream?.kind === "indicator"
        ? { kind: "indicator", index: upstream.index, output: upstream.output }
        : input !== undefined
        ? { kind: "expression", operand: input }
        : { kind: "source", source: "source" in params && params.source ? params.source : "close" },
    };
    return Object.freeze(plan);
  });

  // Warm-up: inputs needed along each chain, scaled to base candles.
  const needed: number[] = [];
  indicators.forEach((plan, i) => {
    const own = plan.type.needed(plan.params);
    needed[i] = plan.input.kind === "indicator" ? needed[plan.input.index] + own - 1 : own;
  });
  const baseMs = timeframeMs(strategy.timeframe);
  let warmup = 1;
  let crossing = false;
  const require = (ref: string) => {
    const resolved = resolve(ref);
    if (resolved.kind !== "indicator") return;
    const ratio = timeframeMs(timeframes[indicators[resolved.index].timeframe]) / baseMs;
    warmup = Math.max(warmup, needed[resolved.index] * ratio);
  };
  for (const rules of [strategy.entry, strategy.exit]) {
    for (const condition of [rules.long, rules.short]) {
      if (condition) crossing = visitConditionRefs(condition, require) || crossing;
    }
  }
  for (
    const distance of [
      strategy.risk.stop_loss,
      strategy.risk.take_profit,
      strategy.risk.trailing_stop,
    ]
  ) {
    if (distance && "atr" in distance) require(distance.atr);
  }

  const compiled: CompiledStrategy = Object.freeze({
    strategy,
    timeframe: strategy.timeframe,
    timeframes,
    warmupCandles: warmup + (crossing ? 1 : 0),
    maxOpenPositions: strategy.risk.max_open_positions,
    cooldownCandles: strategy.risk.cooldown_candles,
    entryOrder: orderPlan(strategy.orders.entry),
    exitOrder: orderPlan(strategy.orders.exit),
  });
  PLANS.set(compiled, Object.freeze({ indicators: Object.freeze(indicators), resolve }));
  return compiled;
}
