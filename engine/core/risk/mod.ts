/**
 * The risk engine: limits, trading states, pre- and post-trade checks and the
 * risk events of the audit log. Pure and deterministic.
 * @module
 */
export {
  effectiveLimits,
  pickLimits,
  RISK_FLAGS,
  RISK_LIMIT_KEYS,
  type RiskLimits,
  splitByScope,
} from "./limits.ts";
export {
  isRiskEvent,
  type RefusedOrder,
  type RiskEvent,
  type RiskReason,
  type RiskRule,
  type RiskView,
  TRADING_STATES,
  type TradingState,
} from "./events.ts";
export {
  initialRiskState,
  isStopOut,
  type OrderIntent,
  type RiskAction,
  RiskEngine,
  type RiskSink,
  type RiskState,
  riskViewOf,
} from "./engine.ts";
export { riskLimitsSchema, riskLimitsShape } from "./schema.ts";
