/** Number and time formatting shared by the server render and the islands (same output on both). */

/** A money amount with two decimals and thousands separators, or `—`. */
export function money(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "—";
  return n.toLocaleString("en-US", { maximumFractionDigits: 2, minimumFractionDigits: 2 });
}

/** A signed money amount (`+12.30`, `-4.00`). */
export function signedMoney(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "—";
  return (n > 0 ? "+" : "") + money(n);
}

/** A fraction as a percentage with two decimals (`0.0123` → `1.23%`), or `—`. */
export function percent(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "—";
  return `${(n * 100).toFixed(2)}%`;
}

/** A ratio with two decimals, or `—`. */
export function ratio(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "—";
  return n.toFixed(2);
}

/** A quantity without trailing noise (at most 8 decimals). */
export function quantity(n: number): string {
  return Number(n.toFixed(8)).toString();
}

/** Exchange time (ms) as `HH:MM:SS` in UTC, so server and browser render the same text. */
export function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

/** A duration in ms as `1h 02m`, `3m 04s` or `5s`. */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
}

/** CSS class for a signed value. */
export function tone(n: number): string {
  return n > 0 ? "up" : n < 0 ? "down" : "";
}
