/**
 * A paper trading session as a pure, deterministic state machine.
 * @module
 */
export {
  SessionCore,
  type SessionEffect,
  type SessionSetup,
  type SessionSnapshot,
  type SessionView,
  type SignalAction,
} from "./session.ts";
