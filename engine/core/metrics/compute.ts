/**
 * One-pass metrics over a finished session's persisted samples, trades and
 * fills; agrees with the incremental state by construction.
 */
import type { ClosedTrade, Fill } from "../execution/mod.ts";
import {
  addSamples,
  createMetrics,
  type Metrics,
  metricsOf,
  recordClosedTrade,
  recordFill,
  startMetrics,
} from "./metrics.ts";

/**
 * A persisted equity sample; `periods` defaults to the boundary gap to the
 * previous sample (1 for the first), `exposed_ms` to all or none of its periods.
 */
export interface SampleInput {
  readonly time: number;
  readonly equity: number;
  readonly exposed: boolean;
  readonly periods?: number;
  readonly exposed_ms?: number;
}

/** Options of {@link computeMetrics}. */
export interface ComputeOptions {
  interval_ms?: number;
  initial_equity: number;
  min_returns?: number;
  /** Latest observed equity (default: the last sample's) for `equity` and `total_return`. */
  final_equity?: number;
}

/**
 * Metrics of a finished session in one pass over the samples returned by
 * `observeEquity`, the closed trades and the fills.
 */
export function computeMetrics(
  samples: readonly SampleInput[],
  trades: readonly ClosedTrade[],
  fills: readonly Fill[],
  options: ComputeOptions,
): Metrics {
  const state = createMetrics(options);
  const interval = state.interval_ms;
  // Points between boundaries (`periods` 0, taken at fills for charts) are not returns.
  const sampled = samples.filter((s) => s.periods !== 0);
  for (let i = 0; i < sampled.length; i++) {
    const s = sampled[i];
    const gap = i > 0 ? Math.max(1, Math.round((s.time - sampled[i - 1].time) / interval)) : 1;
    const periods = s.periods ?? gap;
    if (i === 0) startMetrics(state, s.time - (periods - 1) * interval);
    const exposedMs = s.exposed_ms ?? (s.exposed ? periods * interval : 0);
    addSamples(state, { time: s.time, equity: s.equity, periods, exposed_ms: exposedMs });
    state.next_boundary = s.time + interval;
    state.last_equity = s.equity;
    state.last_exposed = s.exposed;
    state.last_time = s.time;
  }
  if (options.final_equity !== undefined) state.last_equity = options.final_equity;
  for (const trade of trades) recordClosedTrade(state, trade);
  for (const fill of fills) recordFill(state, fill);
  return metricsOf(state);
}
