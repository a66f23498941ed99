/**
 * Human-readable output for the CLI: aligned tables, label/value lists and
 * number, time and duration formatting.
 */

/** A table column: its header and whether its cells are right-aligned (numbers). */
export interface Column {
  readonly header: string;
  readonly right?: boolean;
}

/** Renders rows as a table with aligned columns, a header row and a rule under it. */
export function table(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...rows.map((row) => [...(row[i] ?? "")].length))
  );
  const line = (cells: readonly string[]) =>
    columns.map((column, i) => {
      const cell = cells[i] ?? "";
      const pad = " ".repeat(widths[i] - [...cell].length);
      return column.right ? pad + cell : cell + pad;
    }).join("  ").trimEnd();
  return [
    line(columns.map((column) => column.header)),
    line(widths.map((width) => "-".repeat(width))),
    ...rows.map(line),
  ].join("\n");
}

/** Renders `label  value` lines with the values aligned. */
export function fields(pairs: readonly (readonly [string, string])[]): string {
  const width = Math.max(...pairs.map(([label]) => label.length));
  return pairs.map(([label, value]) => `${label.padEnd(width)}  ${value}`.trimEnd()).join("\n");
}

/**
 * An amount of money, thousands separated: two decimals (`12,345.67`), or up
 * to `maxDigits` decimals for small amounts such as fees (`5.0053`).
 */
export function money(
  value: number | null | undefined,
  options: { maxDigits?: number } = {},
): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "-";
  return value.toLocaleString("en-US", {
    minimumFractionDigits: 2,
    maximumFractionDigits: Math.max(2, options.maxDigits ?? 2),
  });
}

/** A price or quantity: up to 8 decimals, trailing zeros dropped (`0.0015`, `64,210.5`). */
export function decimal(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "-";
  return value.toLocaleString("en-US", { maximumFractionDigits: 8 });
}

/** A fraction as a signed percentage with two decimals (`0.0123` → `+1.23%`). */
export function percent(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "-";
  const text = `${(value * 100).toFixed(2)}%`;
  return value > 0 ? `+${text}` : text;
}

/** A ratio such as Sharpe: three significant decimals, `-` when undefined. */
export function ratio(value: number | null | undefined): string {
  if (value === null || value === undefined) return "-";
  if (!Number.isFinite(value)) return value > 0 ? "∞" : "-∞";
  return value.toFixed(3);
}

/** A time (epoch ms or an ISO string) as ISO-8601 UTC without milliseconds noise. */
export function time(value: number | string | null | undefined): string {
  if (value === null || value === undefined || value === "") return "-";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toISOString().replace(".000Z", "Z");
}

/** A duration in ms as `1d 2h 3m 4s` (largest units first, zero units left out). */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "-";
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
