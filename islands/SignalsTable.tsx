import { clock, money } from "../presentation/format.ts";
import type { SessionEffect } from "./_session_state.ts";
import { EffectTable } from "./_effect_table.tsx";

/** A signal effect. */
export type SignalEffect = Extract<SessionEffect, { type: "signal" }>;

/** Serialisable props of {@link SignalsTable}. */
export interface SignalsTableProps extends Record<string, unknown> {
  session_id: string;
  /** Latest signals, newest first. */
  signals: SignalEffect[];
}

/** The session's recent signals with their reasons and whether they were acted on; live. */
export default function SignalsTable(props: SignalsTableProps) {
  return (
    <EffectTable<SignalEffect>
      session_id={props.session_id}
      type="signal"
      initial={props.signals}
      title="Recent signals"
      testid="signals-panel"
      rowTestid="signal-row"
      headers={["Time", "Rule", "Price", "Action", "Reason"]}
      empty="No signals yet"
      rowKey={(s) => `${s.time}-${s.signal.rule}-${s.action}`}
      cells={(s) => (
        <>
          <td>{clock(s.time)}</td>
          <td class={s.signal.kind === "entry" ? "up" : "down"}>{s.signal.rule}</td>
          <td>{money(s.signal.price)}</td>
          <td class={s.action === "acted" ? "" : "muted"}>
            {s.action}
            {s.note ? ` (${s.note})` : ""}
          </td>
          <td class="reason">{s.signal.reason}</td>
        </>
      )}
    />
  );
}
