/**
 * A paper trading session as a pure, deterministic state machine.
 * @module
 */
export {
  type EquityEffect,
  type ManualOrder,
  SessionCore,
  type SessionEffect,
  type SessionSetup,
  type SessionSnapshot,
  type SessionView,
  type SignalAction,
} from "./session.ts";
export {
  ACTIVE_STATUSES,
  SESSION_EVENTS,
  SESSION_STATUSES,
  type SessionCommand,
  type SessionEvent,
  type SessionStatus,
  type StatusChange,
  type Transition,
  transition,
} from "./lifecycle.ts";
export {
  isPortfolioSnapshot,
  PortfolioCore,
  type PortfolioSetup,
  type PortfolioSnapshot,
  type PortfolioView,
  type SymbolSnapshot,
  type SymbolView,
} from "./portfolio.ts";
export { portfolioQuote, type Wallet } from "./wallet.ts";
