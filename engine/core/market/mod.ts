/**
 * Validation of market data, shared by live feeds, replay, the recorder and
 * backtests: event invariants, id order and time bounds (against a wall clock
 * given as input, or the previous event of the symbol).
 *
 * @module
 */
export {
  DEFAULT_TIME_BOUNDS,
  EventValidator,
  type EventValidatorOptions,
  invalidEvent,
  type InvalidReason,
  type TimeBounds,
  type ValidationReason,
} from "./event_validator.ts";
export { RecordingValidator, type RecordingValidatorOptions } from "./recording_validator.ts";
