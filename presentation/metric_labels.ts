/**
 * The performance metrics as people read them: one ordered list of labels and
 * formats, shown by the CLI, the session page and the backtest reports alike.
 *
 * @module
 */
import type { Metrics } from "../engine/core/metrics/mod.ts";
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

/** One formatted metric. */
export interface MetricRow {
  readonly key: keyof Metrics;
  readonly label: string;
  readonly value: string;
}

/** The metrics as labelled, formatted values, in display order. */
export function metricRows(metrics: Metrics): MetricRow[] {
  return METRIC_LABELS.map(({ key, label, format }) => ({
    key,
    label,
    value: format(metrics[key]),
  }));
}
