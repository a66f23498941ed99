/**
 * Performance metrics of a session, with one meaning everywhere: equity
 * sampled on fixed exchange-time boundaries, simple returns, risk-free 0.
 *
 * @module
 */
export {
  createMetrics,
  type EquitySample,
  type Metrics,
  metricsOf,
  type MetricsOptions,
  type MetricsState,
  MIN_RETURNS,
  observeEquity,
  recordClosedTrade,
  recordFill,
} from "./metrics.ts";
export { computeMetrics, type ComputeOptions, type SampleInput } from "./compute.ts";
