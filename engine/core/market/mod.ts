/**
 * Market data in the core: its validation, shared by live feeds, replay, the
 * recorder and backtests (event invariants, id order and time bounds against a
 * wall clock given as input, or the previous event of the symbol), and the
 * candle aggregator shared by strategies and the market cache, and the L2 order book.
 *
 * @module
 */
export { CandleAggregator } from "./candle_aggregator.ts";
export {
  DEFAULT_TIME_BOUNDS,
  EventValidator,
  type EventValidatorOptions,
  invalidEvent,
  type InvalidReason,
  type TimeBounds,
  type ValidationReason,
} from "./event_validator.ts";
export {
  RecordingValidator,
  type RecordingValidatorOptions,
  type TradeColumns,
} from "./recording_validator.ts";
export {
  type BookDiff,
  type BookLevels,
  type BookSnapshot,
  type DiffResult,
  OrderBook,
} from "./order_book.ts";
