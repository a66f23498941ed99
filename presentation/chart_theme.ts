/**
 * Chart colours: the dashboard's dark theme (the colours of static/style.css),
 * used by the live Chart.js charts and the backtest page's SVG charts alike,
 * and a light theme for the standalone backtest report.
 *
 * @module
 */

/** The colours of one chart theme. */
export interface ChartTheme {
  readonly background: string;
  /** Titles. */
  readonly title: string;
  /** Axis labels and ticks. */
  readonly text: string;
  readonly grid: string;
  /** The equity curve. */
  readonly equity: string;
  /** The area between the equity curve and the initial capital. */
  readonly equityFill: string;
  /** The price line. */
  readonly price: string;
  /** A price bucket's low–high range. */
  readonly band: string;
  readonly buy: string;
  readonly sell: string;
}

/** The dashboard's theme (dark, as static/style.css). */
export const DASHBOARD_CHART_THEME: ChartTheme = {
  background: "#161c23",
  title: "#e6e9ee",
  text: "#8a96a3",
  grid: "#26303b",
  equity: "#4aa3ff",
  equityFill: "rgba(74, 163, 255, 0.12)",
  price: "#f0b90b",
  band: "#3a4654",
  buy: "#2ebd85",
  sell: "#f6465d",
};

/** A light theme for reports read outside the dashboard (`report.html`). */
export const REPORT_CHART_THEME: ChartTheme = {
  background: "#ffffff",
  title: "#111827",
  text: "#666666",
  grid: "#e5e7eb",
  equity: "#2563eb",
  equityFill: "rgba(37, 99, 235, 0.12)",
  price: "#111827",
  band: "#d4d4d8",
  buy: "#16a34a",
  sell: "#dc2626",
};
