import { useState } from "preact/hooks";
import { clock } from "../presentation/format.ts";
import { riskEventText } from "../presentation/risk.ts";
import type { RiskEvent } from "../contract/mod.ts";
import { useSessionLive } from "./_session_state.ts";

/** Serialisable props of {@link RiskAudit}. */
export interface RiskAuditProps extends Record<string, unknown> {
  session_id: string;
  /** Latest risk events, newest first. */
  events: RiskEvent[];
}

const SHOWN = 50;

/** The session's risk audit: trading-state changes and refused orders with their rule; live. */
export default function RiskAudit(props: RiskAuditProps) {
  const [events, setEvents] = useState(props.events);
  useSessionLive(props.session_id, (message) => {
    if (message.type !== "effect" || message.effect.type !== "risk") return;
    const event = message.effect;
    setEvents((current) => [event, ...current].slice(0, SHOWN));
  });
  return (
    <section class="card" data-testid="risk-audit">
      <header class="chart-head">
        <h2>Risk audit</h2>
      </header>
      <div class="table-wrap scroll">
        <table>
          <thead>
            <tr>
              <th>Time</th>
              <th>Rule</th>
              <th>Event</th>
            </tr>
          </thead>
          <tbody>
            {events.length === 0
              ? (
                <tr>
                  <td colSpan={3} class="muted">No risk events</td>
                </tr>
              )
              : events.map((e, i) => (
                <tr key={`${e.time}-${i}-${e.kind}`} data-testid="risk-row">
                  <td>{clock(e.time)}</td>
                  <td class={e.kind === "state" && e.state !== "active" ? "down" : ""}>
                    {e.rule}
                  </td>
                  <td class="reason">{riskEventText(e)}</td>
                </tr>
              ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
