/**
 * The self-contained HTML report of a sweep: the ranked trials with
 * in-sample and out-of-sample metrics, and for two parameters a heatmap of
 * the in-sample objective over their grid.
 *
 * @module
 */
import { ratio, signedPercent } from "../../../presentation/mod.ts";
import { escapeHtml } from "./report.ts";
import type { SweepResult, SweepRow } from "./sweep.ts";

const CELL = 36, LEFT = 90, TOP = 30;

/** A colour from red (worst) through white to green (best) for a share in [0, 1]. */
function shade(share: number): string {
  const t = Math.max(0, Math.min(1, share));
  const [r, g, b] = t < 0.5
    ? [220, Math.round(38 + 400 * t), Math.round(38 + 400 * t)]
    : [Math.round(220 - 380 * (t - 0.5)), Math.round(238 - 100 * (t - 0.5)), 100];
  return `rgb(${r},${Math.min(g, 238)},${Math.min(b, 238)})`;
}

function score(result: SweepResult, value: number | null): string {
  return result.objective === "total_return" ? signedPercent(value) : ratio(value);
}

/** An SVG heatmap of the objective over the first two parameters (the best value per cell). */
export function heatmapSvg(result: SweepResult): string {
  const [px, py] = result.params;
  if (!px || !py) return "";
  const best = new Map<string, number>();
  for (const row of result.rows) {
    if (row.score === null) continue;
    const key = `${row.values[px.path]}|${row.values[py.path]}`;
    best.set(key, Math.max(best.get(key) ?? -Infinity, row.score));
  }
  const scores = [...best.values()].filter(Number.isFinite);
  const low = Math.min(...scores), high = Math.max(...scores);
  const cells = py.values.flatMap((y, j) =>
    px.values.map((x, i) => {
      const value = best.get(`${x}|${y}`);
      const fill = value === undefined || !Number.isFinite(value)
        ? "#f3f4f6"
        : shade(high > low ? (value - low) / (high - low) : 1);
      const tip = `${px.path}=${x}, ${py.path}=${y}: ${score(result, value ?? null)}`;
      return `<rect x="${LEFT + i * CELL}" y="${TOP + j * CELL}" width="${CELL - 1}" ` +
        `height="${CELL - 1}" fill="${fill}"><title>${escapeHtml(tip)}</title></rect>`;
    })
  ).join("");
  const xLabels = px.values.map((x, i) =>
    `<text x="${LEFT + i * CELL + CELL / 2}" y="${TOP - 6}" font-size="10" ` +
    `text-anchor="middle">${x}</text>`
  ).join("");
  const yLabels = py.values.map((y, j) =>
    `<text x="${LEFT - 6}" y="${TOP + j * CELL + CELL / 2 + 3}" font-size="10" ` +
    `text-anchor="end">${y}</text>`
  ).join("");
  const width = LEFT + px.values.length * CELL + 10, height = TOP + py.values.length * CELL + 30;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" ` +
    `aria-label="${escapeHtml(`${result.objective} heatmap`)}">` +
    `<text x="0" y="12" font-size="11">${escapeHtml(py.path)} ↓ · ${escapeHtml(px.path)} →</text>` +
    xLabels + yLabels + cells + `</svg>`;
}

function rowHtml(result: SweepResult, row: SweepRow, rank: number): string {
  const side = (m: SweepRow["in_sample"]) =>
    m
      ? `<td>${score(result, m[result.objective])}</td><td>${
        signedPercent(m.total_return)
      }</td><td>${m.trade_count}</td>`
      : "<td>—</td><td>—</td><td>—</td>";
  const values = result.params.map((p) => `<td>${row.values[p.path]}</td>`).join("");
  return `<tr><td>${rank}</td>${values}${side(row.in_sample)}${
    result.split_time === null ? "" : side(row.out_of_sample)
  }</tr>`;
}

/** The sweep as one HTML page. */
export function sweepHtml(result: SweepResult, limit = 200): string {
  const title = `Sweep: ${result.strategy} by ${result.objective}`;
  const walk = result.split_time !== null;
  const heads = (label: string) =>
    `<th>${label} ${result.objective}</th><th>${label} return</th><th>${label} trades</th>`;
  const header = `<tr><th>#</th>${
    result.params.map((p) => `<th>${escapeHtml(p.path)}</th>`).join("")
  }${heads(walk ? "IS" : "")}${walk ? heads("OOS") : ""}</tr>`;
  const rows = result.rows.filter((r) => !r.problem).slice(0, limit)
    .map((row, i) => rowHtml(result, row, i + 1)).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#111827}
table{border-collapse:collapse;font-size:13px;margin:1rem 0}
th,td{border-bottom:1px solid #e5e7eb;padding:3px 8px;text-align:right}.muted{color:#6b7280}
</style></head><body>
<h1>${escapeHtml(title)}</h1>
<p class="muted">${result.rows.length} trials (${result.search}, seed ${result.seed}) over ${result.events} events${
    walk ? `; in-sample until ${new Date(result.split_time!).toISOString()}` : ""
  }</p>
${heatmapSvg(result)}
<table>${header}${rows}</table>
</body></html>
`;
}
