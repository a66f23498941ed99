import { useEffect, useState } from "preact/hooks";
import { api } from "./_api.ts";
import { InlineError, SessionControls, useAction } from "./_controls.tsx";
import { ManualOrderForm } from "./_order_form.tsx";
import { BEHIND_MS, holdsPosition } from "../contract/mod.ts";
import {
  decimal,
  duration,
  metricRows,
  money,
  signedMoney,
  signedPercent,
  tone,
} from "../presentation/mod.ts";
import { StatusBadge, TradingBadge } from "./_session_card.tsx";
import {
  FINAL_STATUSES,
  type SessionSummary,
  type SessionView,
  useSessionLive,
  withLive,
} from "./_session_state.ts";
import { onReconnect } from "./_live.ts";

type Metrics = SessionView["metrics"];
type Order = SessionView["open_orders"][number];

/** A held position of the session (one per symbol of a portfolio). */
interface HeldPosition {
  symbol: string;
  quantity: number;
  avg_price: number;
  last_price: number | null;
  unrealized_pnl: number;
}

/** The session's positions that are not flat. */
function heldPositions(s: SessionSummary): HeldPosition[] {
  const rows = s.per_symbol ? Object.entries(s.per_symbol) : [[s.symbol, s] as const];
  const all = rows.map(([symbol, p]) => ({
    symbol,
    quantity: p.position.quantity,
    avg_price: p.position.avg_price,
    last_price: p.last_price,
    unrealized_pnl: p.unrealized_pnl,
  }));
  return all.filter((p) => p.quantity !== 0);
}

/** Serialisable props of {@link SessionPanel}. */
export interface SessionPanelProps extends Record<string, unknown> {
  summary: SessionSummary;
  metrics: Metrics;
}

/**
 * The head of a session page: status, controls, warm-up progress, last error,
 * account figures, the position with its unrealized P&L, open orders and the
 * performance metrics, all updated live.
 */
export default function SessionPanel(props: SessionPanelProps) {
  const [s, setSummary] = useState(props.summary);
  const [metrics, setMetrics] = useState(props.metrics);
  const [orders, setOrders] = useState<readonly Order[]>([]);
  const id = props.summary.id;
  const base = `/api/paper_trading/sessions/${id}`;

  const refresh = async () => {
    const [summary, fresh] = await Promise.all([
      api<SessionSummary>("GET", base),
      api<Metrics>("GET", `${base}/metrics`),
    ]);
    setSummary(summary);
    setMetrics(fresh);
  };
  useEffect(() => onReconnect(() => void refresh().catch(() => {})), [id]);
  useEffect(() => {
    // The metrics endpoint is the reference after the session stops (no more views).
    if (FINAL_STATUSES.includes(s.status)) void refresh().catch(() => {});
  }, [s.status]);

  useSessionLive(id, (message) => {
    setSummary((current) => withLive(current, message));
    if (message.type === "view") {
      setMetrics(message.view.metrics);
      setOrders(message.view.open_orders);
    }
  });

  const warm = s.warmup && s.warmup.total > 0 ? s.warmup.done / s.warmup.total : 1;
  const held = heldPositions(s);
  return (
    <section class="session-panel" data-testid="session-panel">
      <header class="session-head">
        <h1>{s.name}</h1>
        <span class="muted">{s.symbols.join(", ")}</span>
        <StatusBadge status={s.status} warmup={s.warmup} />
        <TradingBadge risk={s.risk} />
        {s.simulated
          ? (
            <span class="badge sim" data-testid="simulated-label">
              SIMULATED · feed {s.feed}
            </span>
          )
          : <span class="badge live">feed {s.feed}</span>}
        {s.node ? <span class="muted" data-testid="session-node">node {s.node}</span> : null}
        <SessionControls
          id={id}
          status={s.status}
          flat={!holdsPosition(s)}
          onChange={setSummary}
        />
      </header>
      {s.status === "warming_up" || warm < 1
        ? (
          <div class="warmup" data-testid="warmup">
            Warming up: {s.warmup?.done ?? 0} / {s.warmup?.total ?? 0} candles
            <progress max={1} value={warm} />
          </div>
        )
        : null}
      {s.last_error
        ? <p class="inline-error" data-testid="last-error">Last error: {s.last_error}</p>
        : null}
      <div class="card">
        <dl class="stats">
          <Stat label="Equity" value={money(s.equity)} testid="equity" />
          <Stat
            label="P&L"
            value={`${signedMoney(s.pnl)} (${signedPercent(s.total_return)})`}
            className={tone(s.pnl)}
            testid="pnl"
          />
          <Stat label="Cash" value={money(s.cash)} />
          <Stat label="Free cash" value={money(s.free_cash)} />
          <Stat
            label="Realized"
            value={signedMoney(s.realized_pnl)}
            className={tone(s.realized_pnl)}
          />
          <Stat label="Initial" value={money(s.initial_capital)} />
          <Stat label="Last price" value={money(s.last_price)} />
          <Stat label="Restarts" value={String(s.restarts)} />
          <Stat label="Conflicts" value={String(s.conflicts)} testid="conflicts" />
          <Stat
            label="Market lag"
            value={duration(s.lag_ms)}
            className={(s.lag_ms ?? 0) >= BEHIND_MS ? "down" : undefined}
            testid="lag"
          />
        </dl>
      </div>
      <div class="two">
        <div class="card">
          <h2>Position</h2>
          <div class="table-wrap">
            <table data-testid="positions">
              <thead>
                <tr>
                  <th>Symbol</th>
                  <th>Qty</th>
                  <th>Avg price</th>
                  <th>Mark</th>
                  <th>Unrealized P&amp;L</th>
                </tr>
              </thead>
              <tbody>
                {held.length === 0
                  ? (
                    <tr>
                      <td colSpan={5} class="muted">Flat</td>
                    </tr>
                  )
                  : held.map((p) => (
                    <tr key={p.symbol} data-testid="position-row">
                      <td>{p.symbol}</td>
                      <td class={tone(p.quantity)}>{decimal(p.quantity)}</td>
                      <td>{money(p.avg_price)}</td>
                      <td>{money(p.last_price)}</td>
                      <td class={tone(p.unrealized_pnl)} data-testid="unrealized">
                        {signedMoney(p.unrealized_pnl)}
                      </td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
          {s.status === "stopped" && held.length > 0
            ? (
              <p class="inline-error" data-testid="left-open">
                Stopped with this position left open: it was not closed.
              </p>
            )
            : null}
          <OpenOrders id={id} orders={orders} onChange={setSummary} />
          <h3>Manual order</h3>
          <ManualOrderForm
            id={id}
            disabled={FINAL_STATUSES.includes(s.status)}
            symbols={s.symbols}
          />
        </div>
        <div class="card" data-testid="metrics">
          <h2>Metrics</h2>
          <dl class="stats compact">
            {metricRows(metrics).map(({ key, label, value, hint }) => (
              <Stat
                key={key}
                label={label}
                value={value}
                hint={hint}
                testid={key === "trade_count" ? "trade-count" : `metric-${key}`}
              />
            ))}
          </dl>
        </div>
      </div>
    </section>
  );
}

/** The open orders of a session, each with a button that cancels it. */
function OpenOrders(
  { id, orders, onChange }: {
    id: string;
    orders: readonly Order[];
    onChange: (summary: SessionSummary) => void;
  },
) {
  const { busy, error, run } = useAction(onChange);
  if (orders.length === 0) return <InlineError error={error} />;
  return (
    <div data-testid="open-orders">
      <h3>Open orders</h3>
      <ul class="open-orders">
        {orders.map((o) => (
          <li key={o.id} data-testid="open-order">
            <span>{orderText(o)}</span>
            <button
              type="button"
              disabled={busy}
              onClick={() => run("DELETE", `/api/paper_trading/sessions/${id}/orders/${o.id}`)}
            >
              Cancel
            </button>
          </li>
        ))}
      </ul>
      <InlineError error={error} />
    </div>
  );
}

/** An open order in a few words, e.g. `sell 0.08 stop_market @ 58,000.00`. */
function orderText(o: Order): string {
  const level = o.stop_price ?? o.price;
  return `${o.side} ${decimal(o.quantity)} ${o.type}${level ? ` @ ${money(level)}` : ""}`;
}

function Stat(
  { label, value, className, testid, hint }: {
    label: string;
    value: string;
    className?: string;
    testid?: string;
    /** Why the value is missing, shown on hover. */
    hint?: string;
  },
) {
  return (
    <div>
      <dt>{label}</dt>
      <dd
        class={hint ? `${className ?? ""} hint`.trim() : className}
        data-testid={testid}
        title={hint}
      >
        {value}
      </dd>
    </div>
  );
}
