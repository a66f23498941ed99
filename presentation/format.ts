/**
 * Number, time and duration formats shared by the CLI, the server-rendered
 * pages, the islands and the backtest reports, so each value reads the same
 * everywhere. A missing value (null, undefined, NaN) is always `—`. Pure: no
 * Deno APIs, safe to bundle into the browser.
 *
 * @module
 */

/** What every formatter prints for a missing value. */
export const MISSING = "—";

function missing(value: number | null | undefined): value is null | undefined {
  return value === null || value === undefined || Number.isNaN(value);
}

/** `text` with a `+` in front when `value` is positive. */
function signed(value: number | null | undefined, text: string): string {
  return !missing(value) && value > 0 && text !== MISSING ? `+${text}` : text;
}

/**
 * An amount of money, thousands separated: two decimals (`12,345.67`), or up
 * to `maxDigits` decimals for small amounts such as fees (`5.0053`).
 */
export function money(
  value: number | null | undefined,
  options: { maxDigits?: number } = {},
): string {
  if (missing(value) || !Number.isFinite(value)) return MISSING;
  return value.toLocaleString("en-US", {
    minimumFractionDigits: 2,
    maximumFractionDigits: Math.max(2, options.maxDigits ?? 2),
  });
}

/** A money amount with its sign (`+12.30`, `-4.00`). */
export function signedMoney(value: number | null | undefined): string {
  return signed(value, money(value));
}

/** A price or quantity: up to 8 decimals, trailing zeros dropped (`0.0015`, `64,210.5`). */
export function decimal(value: number | null | undefined): string {
  if (missing(value) || !Number.isFinite(value)) return MISSING;
  return value.toLocaleString("en-US", { maximumFractionDigits: 8 });
}

/**
 * A number for machine-readable output (CSV, JSON) without float noise:
 * rounded to 10 significant digits (`97578.52000000002` → `97578.52`).
 */
export function plain(value: number): number {
  return Number.isFinite(value) ? Number(value.toPrecision(10)) : value;
}

/** A fraction as a percentage with two decimals (`0.0123` → `1.23%`). */
export function percent(value: number | null | undefined): string {
  if (missing(value) || !Number.isFinite(value)) return MISSING;
  return `${(value * 100).toFixed(2)}%`;
}

/** A fraction as a signed percentage (`0.0123` → `+1.23%`), for returns. */
export function signedPercent(value: number | null | undefined): string {
  return signed(value, percent(value));
}

/** A ratio such as Sharpe with two decimals; `∞` when unbounded. */
export function ratio(value: number | null | undefined): string {
  if (missing(value)) return MISSING;
  if (!Number.isFinite(value)) return value > 0 ? "∞" : "-∞";
  return value.toFixed(2);
}

/** A time (epoch ms or an ISO string) as ISO-8601 UTC, without a `.000` millisecond part. */
export function time(value: number | string | null | undefined): string {
  if (value === null || value === undefined || value === "") return MISSING;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toISOString().replace(".000Z", "Z");
}

/** Exchange time (ms) as `HH:MM:SS` in UTC, so server and browser render the same text. */
export function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

/** A duration in ms as `1d 2h 3m 4s` (largest units first, zero units left out; `250ms` below 1 s). */
export function duration(ms: number | null | undefined): string {
  if (missing(ms) || !Number.isFinite(ms)) return MISSING;
  let seconds = Math.round(ms / 1000);
  if (seconds === 0) return ms > 0 ? `${Math.round(ms)}ms` : "0s";
  const parts: string[] = [];
  for (const [unit, size] of [["d", 86_400], ["h", 3_600], ["m", 60], ["s", 1]] as const) {
    if (seconds >= size) {
      parts.push(`${Math.floor(seconds / size)}${unit}`);
      seconds %= size;
    }
  }
  return parts.join(" ");
}

/** CSS class for a signed value: `up`, `down` or none. */
export function tone(value: number): string {
  return value > 0 ? "up" : value < 0 ? "down" : "";
}
