/**
 * Stores: all SQL of the service, one small module per table group, each
 * taking the {@link Db} interface. Services in `engine/runtime` orchestrate
 * and call them.
 * @module
 */
export {
  AlertOutbox,
  type AlertRow,
  type AlertStatus,
  type AlertTargets,
  type ClaimedAlert,
  type NewAlert,
  type OutboxStats,
} from "./alerts.ts";
export { type BacktestRow, BacktestTable } from "./backtest_jobs.ts";
export { ping } from "./health.ts";
export { type RiskSettings, RiskTable, type StoredRiskSettings } from "./risk.ts";
export { type LogAlerts, type LogWrite, SessionLog } from "./session_log.ts";
export { type Rows, SessionRecordTable, type Window } from "./session_records.ts";
export {
  type NewSession,
  type SessionRow,
  SessionTable,
  type StatusRecord,
  statusUpdate,
} from "./sessions.ts";
export { StrategyTable } from "./strategies.ts";
export { type Lease, LeaseTable, type MemberRow } from "./leases.ts";
