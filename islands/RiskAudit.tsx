import { clock } from "../presentation/format.ts";
import { riskEventText } from "../presentation/risk.ts";
import type { RiskEvent } from "../contract/mod.ts";
import { EffectTable } from "./_effect_table.tsx";

/** Serialisable props of {@link RiskAudit}. */
export interface RiskAuditProps extends Record<string, unknown> {
  session_id: string;
  /** Latest risk events, newest first. */
  events: RiskEvent[];
}

/** The session's risk audit: trading-state changes and refused orders with their rule; live. */
export default function RiskAudit(props: RiskAuditProps) {
  return (
    <EffectTable<RiskEvent>
      session_id={props.session_id}
      type="risk"
      initial={props.events}
      title="Risk audit"
      testid="risk-audit"
      rowTestid="risk-row"
      headers={["Time", "Rule", "Event"]}
      empty="No risk events"
      rowKey={(e, i) => `${e.time}-${i}-${e.kind}`}
      cells={(e) => (
        <>
          <td>{clock(e.time)}</td>
          <td class={e.kind === "state" && e.state !== "active" ? "down" : ""}>{e.rule}</td>
          <td class="reason">{riskEventText(e)}</td>
        </>
      )}
    />
  );
}
