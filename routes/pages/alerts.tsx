import { ALERT_LIST_LIMIT, ALERT_STATUSES, type AlertStatus } from "../../contract/mod.ts";
import type { Service } from "../../engine/runtime/service.ts";
import { AlertTable } from "../../components/AlertTable.tsx";
import { type PageDeps, renderPage } from "./render.tsx";

/**
 * `/alerts?status=&session=`: the latest alerts (webhooks) and how their
 * delivery went, filtered by status and session.
 */
export async function alertsPage(
  service: PageDeps & Pick<Service, "alerts">,
  filter: { status?: string; session?: string },
): Promise<string> {
  const status = ALERT_STATUSES.find((s) => s === filter.status);
  const sessionId = filter.session || undefined;
  const alerts = await service.alerts.list({
    status,
    sessionId,
    limit: ALERT_LIST_LIMIT.fallback,
    offset: 0,
  });
  const link = (to?: AlertStatus) => {
    const query = new URLSearchParams({
      ...(to ? { status: to } : {}),
      ...(sessionId ? { session: sessionId } : {}),
    });
    return `/alerts${query.size > 0 ? `?${query}` : ""}`;
  };
  return renderPage(
    service,
    "Alerts",
    <section class="card" data-testid="alerts">
      <h1>Alerts</h1>
      {service.alerts.enabled
        ? null
        : <p class="muted">No alert targets: set WEBHOOK_URLS (see the README, "Alerts").</p>}
      <p class="filters" data-testid="alert-filters">
        {[undefined, ...ALERT_STATUSES].map((to) => (
          <a key={to ?? "all"} href={link(to)} aria-current={to === status ? "page" : undefined}>
            {to ?? "all"}
          </a>
        ))}
        {sessionId ? <span class="muted">session {sessionId}</span> : null}
      </p>
      <AlertTable alerts={alerts} />
    </section>,
  );
}
