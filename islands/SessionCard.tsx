import { useEffect, useState } from "preact/hooks";

/** A fill as the card shows it. */
export interface CardFill {
  id: string;
  time: number;
  side: string;
  price: number;
  quantity: number;
  fee: number;
}

/** Serialisable props of {@link SessionCard}. */
export interface SessionCardProps extends Record<string, unknown> {
  id: string;
  name: string;
  symbol: string;
  status: string;
  simulated: boolean;
  initial_capital: number;
  equity: number;
  last_price: number | null;
  position: { quantity: number; avg_price: number };
  fills: CardFill[];
}

const money = (n: number) =>
  n.toLocaleString("en-US", { maximumFractionDigits: 2, minimumFractionDigits: 2 });

/** One session with its live equity, position and latest fills, fed by the session's SSE stream. */
export default function SessionCard(props: SessionCardProps) {
  const [state, setState] = useState(props);
  useEffect(() => {
    const source = new EventSource(`/api/paper_trading/sessions/${props.id}/stream`);
    source.addEventListener("view", (event) => {
      const { view, status } = JSON.parse((event as MessageEvent).data);
      setState((s) => ({
        ...s,
        status,
        equity: view.equity,
        last_price: view.last_price,
        position: { quantity: view.position.quantity, avg_price: view.position.avg_price },
      }));
    });
    source.addEventListener("status", (event) => {
      const { status } = JSON.parse((event as MessageEvent).data);
      setState((s) => ({ ...s, status }));
    });
    source.addEventListener("effect", (event) => {
      const { effect } = JSON.parse((event as MessageEvent).data);
      if (effect.type !== "fill") return;
      setState((s) => ({ ...s, fills: [effect.fill, ...s.fills].slice(0, 10) }));
    });
    return () => source.close();
  }, [props.id]);

  const pnl = state.equity - state.initial_capital;
  return (
    <section class="card session" data-testid="session-card" data-session-id={state.id}>
      <header>
        <a href={`/paper_trading/${state.id}`}>
          <strong>{state.name}</strong>
        </a>{" "}
        <span class="muted">{state.symbol}</span>{" "}
        <span class={`status ${state.status}`} data-testid="session-status">{state.status}</span>
        {state.simulated ? <span class="badge sim">SIMULATED</span> : null}
      </header>
      <dl class="stats">
        <div>
          <dt>Equity</dt>
          <dd data-testid="session-equity">{money(state.equity)}</dd>
        </div>
        <div>
          <dt>P&amp;L</dt>
          <dd class={pnl >= 0 ? "up" : "down"}>{money(pnl)}</dd>
        </div>
        <div>
          <dt>Price</dt>
          <dd data-testid="session-price">
            {state.last_price === null ? "—" : money(state.last_price)}
          </dd>
        </div>
        <div>
          <dt>Position</dt>
          <dd>{state.position.quantity}</dd>
        </div>
      </dl>
      <table class="fills" data-testid="session-fills">
        <thead>
          <tr>
            <th>Time</th>
            <th>Side</th>
            <th>Price</th>
            <th>Qty</th>
            <th>Fee</th>
          </tr>
        </thead>
        <tbody>
          {state.fills.length === 0
            ? (
              <tr>
                <td colSpan={5} class="muted">No trades yet</td>
              </tr>
            )
            : state.fills.map((f) => (
              <tr key={f.id} data-testid="fill-row">
                <td>{new Date(f.time).toISOString().slice(11, 19)}</td>
                <td class={f.side === "buy" ? "up" : "down"}>{f.side}</td>
                <td>{money(f.price)}</td>
                <td>{f.quantity}</td>
                <td>{f.fee.toFixed(4)}</td>
              </tr>
            ))}
        </tbody>
      </table>
    </section>
  );
}
