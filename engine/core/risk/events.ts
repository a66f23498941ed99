/**
 * Trading states and the risk events (the audit log): every state change and
 * every refused order, with its rule and numbers. Plain JSON.
 *
 * @module
 */
import type { Side } from "../execution/types.ts";

/** What a session may do: trade, only reduce positions, or nothing at all. */
export type TradingState = "active" | "reducing" | "halted";

/** Trading states, least to most restrictive. */
export const TRADING_STATES = ["active", "reducing", "halted"] as const;

/** The rule behind a risk event (`manual`: an operator; `kill_switch`: the account-wide halt). */
export type RiskRule =
  | "max_drawdown"
  | "daily_loss"
  | "max_position_notional"
  | "max_gross_exposure"
  | "max_orders_per_minute"
  | "consecutive_losses"
  | "stop_outs"
  | "kill_switch"
  | "manual";

/** Why a session is in its state. */
export interface RiskReason {
  readonly rule: RiskRule;
  readonly message: string;
  /** The numbers the rule compared (equity, peak, limit, ...). */
  readonly values: Readonly<Record<string, number>>;
}

/** The order a rule refused. */
export interface RefusedOrder {
  readonly symbol: string;
  readonly side: Side;
  readonly quantity: number;
  readonly price: number;
  readonly tag?: string;
}

/**
 * A risk event: a trading-state change (`kind: "state"`), or a refused order
 * (`kind: "refused"`). Emitted as a session effect and stored in the event
 * log like fills; alerts subscribe to these.
 */
export type RiskEvent =
  & {
    readonly type: "risk";
    /** Exchange ms. */
    readonly time: number;
    /** The state after the event. */
    readonly state: TradingState;
  }
  & RiskReason
  & (
    | {
      readonly kind: "state";
      readonly previous: TradingState;
      /** When the state ends by itself (exchange ms), or null until lifted. */
      readonly until: number | null;
      /** Whether the halt closes every position. */
      readonly flatten?: boolean;
    }
    | { readonly kind: "refused"; readonly order: RefusedOrder }
  );

/** Whether a session effect is a risk event (what alerts subscribe to). */
export function isRiskEvent(effect: { readonly type: string }): effect is RiskEvent {
  return effect.type === "risk";
}

/** The risk part of a session's view: its state and why. */
export interface RiskView {
  readonly state: TradingState;
  /** Why (null while active and never restricted). */
  readonly reason: RiskReason | null;
  /** Exchange ms of the last state change (0 never). */
  readonly since: number;
  /** When the state ends by itself, or null. */
  readonly until: number | null;
  /** The equity peak the drawdown and loss rules measure from (null while not tracked). */
  readonly peak: number | null;
}
