/**
 * How values are shown to people (CLI, pages, islands, backtest reports):
 * number formats and metric labels. Pure, bundle-safe.
 *
 * @module
 */
export * from "./format.ts";
export * from "./metric_labels.ts";
export * from "./chart_theme.ts";
