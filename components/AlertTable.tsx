import type { AlertItem } from "../contract/mod.ts";
import { ALERT_COLUMNS, alertCells } from "../presentation/alerts.ts";

/**
 * Alerts of the outbox as a table: kind, session (a link to it), status,
 * attempts, last error and time; never the target (its URL may hold a token).
 */
export function AlertTable({ alerts }: { alerts: readonly AlertItem[] }) {
  if (alerts.length === 0) return <p class="muted" data-testid="no-alerts">No alerts</p>;
  return (
    <div class="table-wrap">
      <table data-testid="alert-table">
        <thead>
          <tr>{ALERT_COLUMNS.map((c) => <th key={c}>{c.toLowerCase()}</th>)}</tr>
        </thead>
        <tbody>
          {alerts.map((alert) => {
            const [time, kind, session, status, attempts, error] = alertCells(alert);
            return (
              <tr key={`${alert.key} ${alert.target}`} data-testid="alert-row">
                <td>{time}</td>
                <td>{kind}</td>
                <td>
                  {alert.session_id
                    ? (
                      <a href={`/paper_trading/${alert.session_id}`} title={session}>
                        {session.slice(0, 8)}
                      </a>
                    )
                    : session}
                </td>
                <td class={status === "failed" ? "down" : status === "delivered" ? "up" : ""}>
                  {status}
                </td>
                <td>{attempts}</td>
                <td class="reason">{error}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
