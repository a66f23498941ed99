/**
 * The performance metrics as people read them: one ordered list of labels and
 * formats, shown by the CLI, the session page and the backtest reports alike.
 *
 * @module
 */
import { type Metrics, MIN_RETURNS } from "../engine/core/metrics/mod.ts";
import { duration, MISSING, money, percent, ratio, signedPercent } from "./format.ts";

/** One metric: its field, its label and how its value is written. */
export interface MetricLabel {
  readonly key: keyof Metrics;
  readonly label: string;
  readonly format: (value: number | null) => string;
}

const count = (value: number | null) => value === null ? MISSING : String(value);

/** Every metric, in display order. */
export const METRIC_LABELS: readonly MetricLabel[] = [
  { key: "total_return", label: "Total return", format: signedPercent },
  { key: "equity", label: "Final equity", format: money },
  { key: "trade_count", label: "Closed trades", format: count },
  { key: "fill_count", label: "Fills", format: count },
  { key: "win_rate", label: "Win rate", format: percent },
  { key: "profit_factor", label: "Profit factor", format: ratio },
  { key: "expectancy", label: "Expectancy", format: money },
  { key: "avg_win", label: "Average win", format: money },
  { key: "avg_loss", label: "Average loss", format: money },
  { key: "sharpe", label: "Sharpe", format: ratio },
  { key: "sortino", label: "Sortino", format: ratio },
  { key: "calmar", label: "Calmar", format: ratio },
  { key: "max_drawdown", label: "Max drawdown", format: percent },
  { key: "max_drawdown_duration_ms", label: "Max drawdown duration", format: duration },
  { key: "exposure", label: "Exposure", format: percent },
  { key: "fees_paid", label: "Fees paid", format: money },
  { key: "slippage_cost", label: "Slippage cost", format: money },
  { key: "samples", label: "Equity samples", format: count },
];

/** One formatted metric; `hint` says why a missing value (`—`) is missing. */
export interface MetricRow {
  readonly key: keyof Metrics;
  readonly label: string;
  readonly value: string;
  readonly hint?: string;
}

const RATIOS: ReadonlySet<keyof Metrics> = new Set(["sharpe", "sortino", "calmar"]);

/**
 * Why a metric is null: a ratio before {@link MIN_RETURNS} returns (the rule
 * of docs/execution.md#metrics), a trade statistic before the trades it needs,
 * otherwise a zero divisor. Undefined when the metric has a value.
 */
export function metricHint(key: keyof Metrics, metrics: Metrics): string | undefined {
  if (metrics[key] !== null) return undefined;
  if (RATIOS.has(key)) {
    return metrics.samples < MIN_RETURNS
      ? `needs ${MIN_RETURNS} equity returns, has ${metrics.samples} ` +
        `(one per equity sample, a minute by default; docs/execution.md, Metrics)`
      : "undefined for these returns (no variation, no losing return or no drawdown)";
  }
  if (metrics.trade_count === 0) return "no closed trade yet";
  if (key === "avg_win") return "no winning trade yet";
  if (key === "avg_loss" || key === "profit_factor") return "no losing trade yet";
  return undefined;
}

/** The metrics as labelled, formatted values, in display order, with a hint for each missing one. */
export function metricRows(metrics: Metrics): MetricRow[] {
  return METRIC_LABELS.map(({ key, label, format }) => {
    const hint = metricHint(key, metrics);
    return { key, label, value: format(metrics[key]), ...(hint ? { hint } : {}) };
  });
}
