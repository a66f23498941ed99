/**
 * Human-readable layout for the CLI: aligned tables and label/value lists.
 * Values are formatted by the shared presentation module.
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

/** "1 session", "2 sessions", "sessions 1–50 of 120". */
export function countLine(offset: number, shown: number, total: number, what: string): string {
  const plural = `${what}s`;
  return shown === total
    ? `${total} ${total === 1 ? what : plural}`
    : `${plural} ${offset + 1}–${offset + shown} of ${total}`;
}
