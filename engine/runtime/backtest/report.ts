/**
 * Presentation of a backtest result: round trips as JSON/CSV with ISO times,
 * a plain-text metrics table, inline SVG charts (equity curve; price with
 * trade markers) and a self-contained HTML report (no network, no scripts).
 */
import type { BacktestResult, SeriesPoint } from "../../core/backtest/mod.ts";
import type { ClosedTrade, Fill } from "../../core/execution/mod.ts";
import type { Metrics } from "../../core/metrics/mod.ts";
import {
  type ChartTheme,
  metricRows,
  money,
  plain,
  REPORT_CHART_THEME,
  signedPercent,
} from "../../../presentation/mod.ts";

/** A round trip as the CLI and API print it (times ISO-8601 UTC). */
export interface TradeRow {
  readonly id: string;
  readonly symbol: string;
  readonly side: "long" | "short";
  readonly entry_time: string;
  readonly exit_time: string;
  readonly entry_price: number;
  readonly exit_price: number;
  readonly quantity: number;
  readonly pnl: number;
  readonly fees: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Round trips with ISO times and numbers without float noise, in the documented field order. */
export function tradeRows(trades: readonly ClosedTrade[]): TradeRow[] {
  return trades.map((t) => ({
    id: t.id,
    symbol: t.symbol,
    side: t.side,
    entry_time: iso(t.entry_time),
    exit_time: iso(t.exit_time),
    entry_price: plain(t.entry_price),
    exit_price: plain(t.exit_price),
    quantity: plain(t.quantity),
    pnl: plain(t.pnl),
    fees: plain(t.fees),
  }));
}

const TRADE_COLUMNS = [
  "id",
  "symbol",
  "side",
  "entry_time",
  "exit_time",
  "entry_price",
  "exit_price",
  "quantity",
  "pnl",
  "fees",
] as const;

/** The fills drawn on the price chart: those of the charted symbol (a portfolio's first). */
export function chartedFills(result: BacktestResult): readonly Fill[] {
  const symbol = result.symbols?.[0];
  return symbol ? result.fills.filter((f) => f.symbol === symbol) : result.fills;
}

/** Round trips as CSV with a header row. */
export function tradesCsv(trades: readonly ClosedTrade[]): string {
  const lines = [TRADE_COLUMNS.join(",")];
  for (const row of tradeRows(trades)) lines.push(TRADE_COLUMNS.map((c) => row[c]).join(","));
  return lines.join("\n") + "\n";
}

/** The metrics as an aligned two-column text table. */
export function metricsTable(metrics: Metrics): string {
  const rows = metricRows(metrics);
  const width = Math.max(...rows.map(({ label }) => label.length));
  return rows.map(({ label, value }) => `${label.padEnd(width)}  ${value}`).join("\n") + "\n";
}

/** A portfolio's symbols as a text table: round trips, return on the symbol's share, fees. */
export function perSymbolTable(perSymbol: NonNullable<BacktestResult["per_symbol"]>): string {
  const entries = Object.entries(perSymbol);
  const width = Math.max(6, ...entries.map(([symbol]) => symbol.length));
  const lines = [
    `${"symbol".padEnd(width)}  ${"trades".padStart(6)}  ${"return".padStart(9)}  fees`,
  ];
  for (const [symbol, { metrics }] of entries) {
    lines.push(
      `${symbol.padEnd(width)}  ${String(metrics.trade_count).padStart(6)}  ${
        signedPercent(metrics.total_return).padStart(9)
      }  ${money(metrics.fees_paid)}`,
    );
  }
  return lines.join("\n") + "\n";
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

interface Frame {
  readonly x: (time: number) => number;
  readonly y: (value: number) => number;
}

const W = 900;
const H = 260;
const PAD = 44;

function frame(points: readonly SeriesPoint[], extra: readonly number[] = []): Frame | undefined {
  if (points.length === 0) return undefined;
  const t0 = points[0][0];
  const t1 = points[points.length - 1][0];
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of points) {
    lo = Math.min(lo, p[1]);
    hi = Math.max(hi, p[2]);
  }
  for (const v of extra) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const span = hi - lo || Math.abs(hi) || 1;
  lo -= span * 0.05;
  hi += span * 0.05;
  return {
    x: (t) => PAD + (t1 > t0 ? (t - t0) / (t1 - t0) : 0.5) * (W - 2 * PAD),
    y: (v) => H - PAD / 2 - (v - lo) / (hi - lo) * (H - PAD),
  };
}

function axes(points: readonly SeriesPoint[], f: Frame, title: string, theme: ChartTheme): string {
  const lo = Math.min(...points.map((p) => p[1]));
  const hi = Math.max(...points.map((p) => p[2]));
  const text = `font-size="10" fill="${theme.text}"`;
  const label = (v: number) =>
    `<text x="4" y="${f.y(v).toFixed(1)}" ${text}>${v.toPrecision(6)}</text>`;
  const first = iso(points[0][0]).slice(0, 16).replace("T", " ");
  const last = iso(points[points.length - 1][0]).slice(0, 16).replace("T", " ");
  return `<text x="${PAD}" y="14" font-size="12" font-weight="bold" fill="${theme.title}">${
    escapeHtml(title)
  }</text>` +
    label(hi) + label(lo) +
    `<text x="${PAD}" y="${H - 2}" ${text}>${first}</text>` +
    `<text x="${W - PAD}" y="${H - 2}" ${text} text-anchor="end">${last}</text>`;
}

function polyline(points: readonly SeriesPoint[], f: Frame, color: string): string {
  const d = points.map((p) => `${f.x(p[0]).toFixed(1)},${f.y(p[3]).toFixed(1)}`).join(" ");
  return `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${d}"/>`;
}

function svg(body: string, label: string, theme: ChartTheme): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" ` +
    `role="img" aria-label="${escapeHtml(label)}" ` +
    `style="max-width:${W}px;background:${theme.background}">` + body + `</svg>`;
}

/**
 * The equity curve as an inline SVG (empty string when there are no samples),
 * in `theme`'s colours (default: the light report theme).
 */
export function equitySvg(
  equity: readonly SeriesPoint[],
  theme: ChartTheme = REPORT_CHART_THEME,
): string {
  const f = frame(equity);
  if (!f) return "";
  return svg(
    axes(equity, f, "Equity", theme) + polyline(equity, f, theme.equity),
    "equity curve",
    theme,
  );
}

/**
 * The price (high–low band and last price) with buy ▲ and sell ▼ markers at
 * the fills, in `theme`'s colours (default: the light report theme).
 */
export function priceSvg(
  prices: readonly SeriesPoint[],
  fills: readonly Fill[],
  theme: ChartTheme = REPORT_CHART_THEME,
): string {
  const f = frame(prices, fills.map((x) => x.price));
  if (!f) return "";
  const band = prices.map((p) =>
    `<line x1="${f.x(p[0]).toFixed(1)}" x2="${f.x(p[0]).toFixed(1)}" y1="${
      f.y(p[1]).toFixed(1)
    }" y2="${f.y(p[2]).toFixed(1)}" stroke="${theme.band}" stroke-width="1"/>`
  ).join("");
  const markers = fills.map((fill) => {
    const x = f.x(fill.time);
    const y = f.y(fill.price);
    const buy = fill.side === "buy";
    const tip = `${fill.side} ${plain(fill.quantity)} @ ${plain(fill.price)} (${fill.tag ?? ""}) ${
      iso(fill.time)
    }`;
    const shape = buy
      ? `${x.toFixed(1)},${(y - 1).toFixed(1)} ${(x - 5).toFixed(1)},${(y + 8).toFixed(1)} ${
        (x + 5).toFixed(1)
      },${(y + 8).toFixed(1)}`
      : `${x.toFixed(1)},${(y + 1).toFixed(1)} ${(x - 5).toFixed(1)},${(y - 8).toFixed(1)} ${
        (x + 5).toFixed(1)
      },${(y - 8).toFixed(1)}`;
    return `<polygon points="${shape}" fill="${buy ? theme.buy : theme.sell}"><title>${
      escapeHtml(tip)
    }</title></polygon>`;
  }).join("");
  return svg(
    axes(prices, f, "Price and fills (▲ buy, ▼ sell)", theme) + band +
      polyline(prices, f, theme.price) + markers,
    "price chart with trade markers",
    theme,
  );
}

/** Round trips as an HTML table (the last `limit`, default 500). */
export function tradesTableHtml(trades: readonly ClosedTrade[], limit = 500): string {
  const rows = tradeRows(trades.slice(-limit)).map((t) =>
    `<tr><td>${
      escapeHtml(t.id)
    }</td><td>${t.side}</td><td>${t.entry_time}</td><td>${t.exit_time}</td>` +
    `<td>${t.entry_price}</td><td>${t.exit_price}</td><td>${t.quantity}</td>` +
    `<td class="${t.pnl >= 0 ? "win" : "loss"}">${money(t.pnl)}</td><td>${
      money(t.fees, { maxDigits: 4 })
    }</td></tr>`
  ).join("");
  return `<table><thead><tr>${
    TRADE_COLUMNS.map((c) => `<th>${c}</th>`).join("")
  }</tr></thead><tbody>${rows}</tbody></table>`;
}

/** A self-contained HTML report: metrics, equity curve, price chart with markers, trades. */
export function reportHtml(result: BacktestResult, options: { title?: string } = {}): string {
  const title = options.title ?? `Backtest: ${result.strategy} on ${result.symbol}`;
  const span = result.first_time === null || result.last_time === null
    ? ""
    : `${iso(result.first_time)} → ${iso(result.last_time)}`;
  const metrics = metricRows(result.metrics).map(({ label, value }) =>
    `<tr><th>${label}</th><td>${value}</td></tr>`
  ).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#111827}
table{border-collapse:collapse;font-size:13px;margin:1rem 0}
th,td{border-bottom:1px solid #e5e7eb;padding:3px 8px;text-align:left}
td.win{color:#16a34a}td.loss{color:#dc2626}.muted{color:#6b7280}
</style></head><body>
<h1>${escapeHtml(title)}</h1>
<p class="muted">${span} · ${result.events} events · ${result.fills.length} fills</p>
<table>${metrics}</table>
${equitySvg(result.equity)}
${priceSvg(result.prices, chartedFills(result))}
<h2>Closed trades</h2>
${tradesTableHtml(result.trades)}
</body></html>
`;
}
