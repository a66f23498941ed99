import { useState } from "preact/hooks";
import { SessionControls } from "./_controls.tsx";
import { FillRows, prependFill } from "./_fills.tsx";
import { decimal, money, signedMoney, signedPercent, tone } from "../presentation/format.ts";
import { type Fill, type SessionSummary, useSessionLive, withLive } from "./_session_state.ts";

/** What a session card shows: the summary and its latest fills (newest first). */
export interface SessionCardData {
  summary: SessionSummary;
  fills: Fill[];
}

/** Fills shown on a card. */
const CARD_FILLS = 5;

/** One session on the overview: live P&L, equity, status, controls and latest fills. */
export function SessionCard({ summary, fills }: SessionCardData) {
  const [s, setSummary] = useState(summary);
  const [recent, setRecent] = useState(fills);
  useSessionLive(summary.id, (message) => {
    setSummary((current) => withLive(current, message));
    if (message.type === "effect" && message.effect.type === "fill") {
      const fill = message.effect.fill;
      setRecent((current) => prependFill(current, fill, CARD_FILLS));
    }
  });
  return (
    <section class="card session" data-testid="session-card" data-session-id={s.id}>
      <header>
        <a href={`/paper_trading/${s.id}`} class="title">
          <strong>{s.name}</strong>
        </a>
        <span class="muted">{s.symbols.join(", ")}</span>
        <StatusBadge status={s.status} warmup={s.warmup} />
        {s.simulated ? <span class="badge sim">SIMULATED</span> : null}
        {s.node ? <span class="muted" data-testid="session-node">node {s.node}</span> : null}
      </header>
      <dl class="stats">
        <div>
          <dt>Equity</dt>
          <dd data-testid="session-equity">{money(s.equity)}</dd>
        </div>
        <div>
          <dt>P&amp;L</dt>
          <dd class={tone(s.pnl)} data-testid="session-pnl">
            {signedMoney(s.pnl)} <small>{signedPercent(s.total_return)}</small>
          </dd>
        </div>
        <div>
          <dt>Price</dt>
          <dd>{money(s.last_price)}</dd>
        </div>
        <div>
          <dt>Position</dt>
          <dd>{decimal(s.position.quantity)}</dd>
        </div>
      </dl>
      {s.last_error ? <p class="inline-error">{s.last_error}</p> : null}
      <SessionControls
        id={s.id}
        status={s.status}
        flat={s.position.quantity === 0}
        onChange={setSummary}
      />
      <FillRows fills={recent} />
    </section>
  );
}

/** A session's status, with warm-up progress while warming up. */
export function StatusBadge(
  { status, warmup }: { status: string; warmup: SessionSummary["warmup"] },
) {
  const progress = status === "warming_up" && warmup && warmup.total > 0
    ? ` ${Math.floor((warmup.done / warmup.total) * 100)}%`
    : "";
  return <span class={`status ${status}`} data-testid="session-status">{status}{progress}</span>;
}
