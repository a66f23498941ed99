import { useState } from "preact/hooks";
import { FillRows, prependFill } from "./_fills.tsx";
import { type Fill, useLiveFills } from "./_session_state.ts";

/** Serialisable props of {@link FillsTable}. */
export interface FillsTableProps extends Record<string, unknown> {
  session_id: string;
  /** Latest fills, newest first. */
  fills: Fill[];
  /** Fills the session has in all. */
  total: number;
}

const SHOWN = 50;

/** The session's recent trades (fills), newest first, with new fills added live. */
export default function FillsTable(props: FillsTableProps) {
  const [fills, setFills] = useState(props.fills);
  const [total, setTotal] = useState(props.total);
  useLiveFills(props.session_id, (fill) => {
    setFills((current) => prependFill(current, fill, SHOWN));
    setTotal((n) => n + 1);
  });
  return (
    <section class="card" data-testid="fills-panel">
      <header class="chart-head">
        <h2>Recent trades</h2>
        <span class="muted">{total} fill{total === 1 ? "" : "s"}</span>
        <a href={`/api/paper_trading/sessions/${props.session_id}/trades?format=csv`} download>
          CSV
        </a>
      </header>
      <FillRows fills={fills} scroll />
    </section>
  );
}
