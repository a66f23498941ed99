/**
 * The strategy DSL: parse and validate documents, compile them, and evaluate
 * them incrementally over trades or candles. See the "Strategy DSL" section of README.md.
 *
 * @module
 */

export { formatPath, parseStrategy } from "./parse.ts";
export type { ParseResult, StrategyError } from "./parse.ts";
export { compileStrategy } from "./compile.ts";
export type { CompiledStrategy, OrderPlan } from "./compile.ts";
export { StrategyEvaluator } from "./evaluator.ts";
export type { PositionSide, Signal, StrategyEvaluatorOptions } from "./evaluator.ts";
export { CANDLE_FIELDS, strategySchema } from "./schema.ts";
export type { Condition, Distance, Expression, Operand, Risk, Strategy } from "./schema.ts";
export { INDICATOR_TYPES, SOURCES } from "./registry.ts";
export type { IndicatorParams, IndicatorTypeName, Source } from "./registry.ts";
export { CANDLE_WINDOW } from "./candle_series.ts";
