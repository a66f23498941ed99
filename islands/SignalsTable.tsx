import { useState } from "preact/hooks";
import { clock, money } from "../presentation/format.ts";
import { type SessionEffect, useSessionLive } from "./_session_state.ts";

/** A signal effect. */
export type SignalEffect = Extract<SessionEffect, { type: "signal" }>;

/** Serialisable props of {@link SignalsTable}. */
export interface SignalsTableProps extends Record<string, unknown> {
  session_id: string;
  /** Latest signals, newest first. */
  signals: SignalEffect[];
}

const SHOWN = 50;

/** The session's recent signals with their reasons and whether they were acted on; live. */
export default function SignalsTable(props: SignalsTableProps) {
  const [signals, setSignals] = useState(props.signals);
  useSessionLive(props.session_id, (message) => {
    if (message.type !== "effect" || message.effect.type !== "signal") return;
    const signal = message.effect;
    setSignals((current) => [signal, ...current].slice(0, SHOWN));
  });
  return (
    <section class="card" data-testid="signals-panel">
      <header class="chart-head">
        <h2>Recent signals</h2>
      </header>
      <div class="table-wrap scroll">
        <table>
          <thead>
            <tr>
              <th>Time</th>
              <th>Rule</th>
              <th>Price</th>
              <th>Action</th>
              <th>Reason</th>
            </tr>
          </thead>
          <tbody>
            {signals.length === 0
              ? (
                <tr>
                  <td colSpan={5} class="muted">No signals yet</td>
                </tr>
              )
              : signals.map((s) => (
                <tr key={`${s.time}-${s.signal.rule}-${s.action}`} data-testid="signal-row">
                  <td>{clock(s.time)}</td>
                  <td class={s.signal.kind === "entry" ? "up" : "down"}>{s.signal.rule}</td>
                  <td>{money(s.signal.price)}</td>
                  <td class={s.action === "acted" ? "" : "muted"}>
                    {s.action}
                    {s.note ? ` (${s.note})` : ""}
                  </td>
                  <td class="reason">{s.signal.reason}</td>
                </tr>
              ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
