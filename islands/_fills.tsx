import { clock, decimal, money } from "../presentation/format.ts";
import type { Fill } from "./_session_state.ts";

/** A table of fills, newest first. */
export function FillRows(
  { fills, empty, scroll }: { fills: readonly Fill[]; empty?: string; scroll?: boolean },
) {
  return (
    <div class={scroll ? "table-wrap scroll" : "table-wrap"}>
      <table class="fills" data-testid="fills">
        <thead>
          <tr>
            <th>Time</th>
            <th>Side</th>
            <th>Price</th>
            <th>Qty</th>
            <th>Fee</th>
            <th class="wide">Tag</th>
          </tr>
        </thead>
        <tbody>
          {fills.length === 0
            ? (
              <tr>
                <td colSpan={6} class="muted">{empty ?? "No trades yet"}</td>
              </tr>
            )
            : fills.map((f) => (
              <tr key={f.id} data-testid="fill-row">
                <td>{clock(f.time)}</td>
                <td class={f.side === "buy" ? "up" : "down"}>{f.side}</td>
                <td>{money(f.price)}</td>
                <td>{decimal(f.quantity)}</td>
                <td>{money(f.fee, { maxDigits: 4 })}</td>
                <td class="wide muted">{f.tag ?? ""}</td>
              </tr>
            ))}
        </tbody>
      </table>
    </div>
  );
}

/** `fills` with `fill` added in front (once), at most `limit` long. */
export function prependFill(fills: readonly Fill[], fill: Fill, limit: number): Fill[] {
  if (fills.some((f) => f.id === fill.id)) return [...fills];
  return [fill, ...fills].slice(0, limit);
}
