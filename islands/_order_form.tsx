import { useState } from "preact/hooks";
import { InlineError, useAction } from "./_controls.tsx";
import { decimal } from "../presentation/mod.ts";

/** The part of a placed order the form reports back. */
interface Placed {
  id: string;
  side: string;
  type: string;
  quantity: number;
  status: string;
}

/**
 * A small manual order form of a session (side, market or limit, quantity,
 * limit price): posts to the session's orders endpoint, which runs the same
 * checks as strategy orders; the placed order is named below, a refusal is
 * shown inline with the API's reason. A portfolio's form picks the symbol.
 */
export function ManualOrderForm(
  { id, disabled, symbols }: { id: string; disabled: boolean; symbols: readonly string[] },
) {
  const [placed, setPlaced] = useState<Placed | null>(null);
  const [type, setType] = useState("market");
  const { busy, error, run } = useAction<Placed>(setPlaced);
  const submit = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const order: Record<string, unknown> = {
      ...(symbols.length > 1 ? { symbol: form.get("symbol") } : {}),
      side: form.get("side"),
      type,
      quantity: Number(form.get("quantity")),
    };
    if (type === "limit") order.price = Number(form.get("price"));
    setPlaced(null);
    void run("POST", `/api/paper_trading/sessions/${id}/orders`, order);
  };
  return (
    <form class="controls" data-testid="order-form" onSubmit={submit}>
      {symbols.length > 1
        ? (
          <select name="symbol" aria-label="Symbol">
            {symbols.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        )
        : null}
      <select name="side" aria-label="Side">
        <option value="buy">buy</option>
        <option value="sell">sell</option>
      </select>
      <select
        name="type"
        aria-label="Order type"
        value={type}
        onChange={(e) => setType((e.currentTarget as HTMLSelectElement).value)}
      >
        <option value="market">market</option>
        <option value="limit">limit</option>
      </select>
      <input
        name="quantity"
        aria-label="Quantity"
        type="number"
        step="any"
        min="0"
        required
        placeholder="quantity"
      />
      {type === "limit"
        ? (
          <input
            name="price"
            aria-label="Limit price"
            type="number"
            step="any"
            min="0"
            required
            placeholder="limit price"
          />
        )
        : null}
      <button type="submit" disabled={busy || disabled}>Place order</button>
      {placed
        ? (
          <span class="muted" data-testid="order-placed">
            {placed.side} {decimal(placed.quantity)} {placed.type}: {placed.status}
          </span>
        )
        : null}
      <InlineError error={error} />
    </form>
  );
}
