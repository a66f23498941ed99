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

const TYPES = ["market", "limit", "stop_market", "stop_limit"] as const;
type OrderType = typeof TYPES[number];

/** A positive number from a form field, or undefined when it is empty. */
function numberOf(form: FormData, name: string): number | undefined {
  const text = String(form.get(name) ?? "").trim();
  return text === "" ? undefined : Number(text);
}

/** A number input of the order form. */
function Field(
  { name, label, required = false }: { name: string; label: string; required?: boolean },
) {
  return (
    <input
      name={name}
      aria-label={label}
      type="number"
      step="any"
      min="0"
      required={required}
      placeholder={label.toLowerCase()}
    />
  );
}

/**
 * The manual order form of a session: side, type (market, limit, stop market,
 * stop limit), a quantity or a notional, the prices the type needs, and an
 * optional bracket (stop-loss and take-profit placed when it fills). It posts
 * to the session's orders endpoint, which runs the same checks as strategy
 * orders; the placed order is named below, a refusal is shown inline with the
 * API's reason. A portfolio's form picks the symbol.
 */
export function ManualOrderForm(
  { id, disabled, symbols }: { id: string; disabled: boolean; symbols: readonly string[] },
) {
  const [placed, setPlaced] = useState<Placed | null>(null);
  const [type, setType] = useState<OrderType>("market");
  const [size, setSize] = useState<"quantity" | "notional">("quantity");
  const { busy, error, run } = useAction<Placed>(setPlaced);
  const limit = type === "limit" || type === "stop_limit";
  const stop = type === "stop_market" || type === "stop_limit";
  const submit = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const bracket = {
      stop_loss: numberOf(form, "stop_loss"),
      take_profit: numberOf(form, "take_profit"),
    };
    const order: Record<string, unknown> = {
      ...(symbols.length > 1 ? { symbol: form.get("symbol") } : {}),
      side: form.get("side"),
      type,
      [size]: numberOf(form, "amount"),
      ...(limit ? { price: numberOf(form, "price") } : {}),
      ...(stop ? { stop_price: numberOf(form, "stop_price") } : {}),
      ...(bracket.stop_loss !== undefined || bracket.take_profit !== undefined
        ? { bracket } // an empty field is left out of the JSON body (undefined)
        : {}),
    };
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
        onChange={(e) => setType((e.currentTarget as HTMLSelectElement).value as OrderType)}
      >
        {TYPES.map((t) => <option key={t} value={t}>{t.replace("_", " ")}</option>)}
      </select>
      <select
        name="size"
        aria-label="Size in"
        value={size}
        onChange={(e) => setSize((e.currentTarget as HTMLSelectElement).value as typeof size)}
      >
        <option value="quantity">quantity</option>
        <option value="notional">notional</option>
      </select>
      <Field name="amount" label={size === "quantity" ? "Quantity" : "Notional"} required />
      {stop ? <Field name="stop_price" label="Stop price" required /> : null}
      {limit ? <Field name="price" label="Limit price" required /> : null}
      <Field name="stop_loss" label="Stop-loss" />
      <Field name="take_profit" label="Take-profit" />
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
