import type { Fill } from "../../engine/core/execution/mod.ts";

const COLUMNS = [
  "id",
  "time",
  "symbol",
  "side",
  "price",
  "quantity",
  "fee",
  "liquidity",
  "slippage",
  "order_id",
  "tag",
] as const;

function cell(value: unknown): string {
  const text = value === undefined || value === null ? "" : String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Fills as CSV with a header row; times as ISO-8601 UTC. */
export function fillsCsv(fills: readonly Fill[]): string {
  const lines = [COLUMNS.join(",")];
  for (const fill of fills) {
    lines.push(
      COLUMNS.map((column) =>
        cell(column === "time" ? new Date(fill.time).toISOString() : fill[column])
      ).join(","),
    );
  }
  return lines.join("\n") + "\n";
}
