/**
 * The strategy DSL: parse and validate documents, compile them, and evaluate
 * them incrementally over trades or candles. The reference is docs/dsl.md.
 *
 * @module
 */

export { formatPath, parseStrategy } from "./parse.ts";
export type { ParseResult, StrategyError } from "./parse.ts";
export { compileStrategy } from "./compile.ts";
export { planStrategy } from "./plan.ts";
export type { CompiledStrategy, OrderPlan } from "./plan.ts";
export { symbolReference, symbolReferenceProblems } from "./cross_symbol.ts";
export type { SymbolReference } from "./cross_symbol.ts";
export { StrategyEvaluator } from "./evaluator.ts";
export type { PositionSide, Signal, StrategyEvaluatorOptions } from "./evaluator.ts";
export { strategySchema } from "./schema.ts";
export type { Condition, Distance, Expression, Leg, Operand, Risk, Strategy } from "./schema.ts";
export { CANDLE_FIELDS, SOURCES } from "./vocabulary.ts";
export type { CandleField, Source } from "./vocabulary.ts";
export { INDICATOR_TYPES } from "./indicator_types.ts";
export type { IndicatorTypeName } from "./indicator_types.ts";
export type { IndicatorParams } from "./indicator_schemas.ts";
export { CANDLE_WINDOW } from "./candle_series.ts";
export { formatCount, STRATEGY_LIMITS } from "./limits.ts";
export type { StrategyLimits } from "./limits.ts";
