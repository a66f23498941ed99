/**
 * How values are shown to people (CLI, pages, islands, backtest reports):
 * number formats, metric labels and trading states. Pure, bundle-safe.
 *
 * @module
 */
export * from "./format.ts";
export * from "./metric_labels.ts";
export * from "./chart_theme.ts";
export * from "./risk.ts";
export * from "./alerts.ts";
