/**
 * A service whose alerts ended every way an alert can: three sessions, each
 * with its own chat target (tokens in the URL) on a local receiver that
 * accepts (delivered), refuses for good with 404 (failed) or answers 500
 * (pending, retrying). For the views of the outbox (CLI, dashboard).
 */
import type { AlertItem, AlertStatus } from "../../contract/mod.ts";
import { call, manualRoundTrip } from "./api.ts";
import { startTestServer, type TestServer } from "./server.ts";
import { eventually } from "./wait.ts";
import { startWebhookReceiver, type WebhookReceiver } from "./webhook_receiver.ts";

/** What a target's URL holds that must never be shown. */
export const TARGET_SECRET = "tok3n-s3cret";

/** The service, the receiver, and the session whose alerts ended in each status. */
export interface AlertOutcomes {
  readonly server: TestServer;
  readonly receiver: WebhookReceiver;
  readonly sessions: Readonly<Record<AlertStatus, string>>;
  close(): Promise<void>;
}

const ANSWERS: Record<AlertStatus, number> = { delivered: 200, failed: 404, pending: 500 };
const TARGETS: Record<AlertStatus, (url: string) => string> = {
  delivered: (url) => `slack:${url}/delivered/${TARGET_SECRET}`,
  failed: (url) => `discord:${url}/failed/${TARGET_SECRET}`,
  pending: (url) => `telegram:${url}/pending/bot${TARGET_SECRET}/sendMessage?chat_id=1`,
};

/**
 * Starts it and waits until each session's three alerts (two fills, a round
 * trip) are delivered, failed, and pending after a failed attempt.
 */
export async function startAlertOutcomes(): Promise<AlertOutcomes> {
  const receiver = startWebhookReceiver((request) => {
    const status = new URL(request.url).pathname.split("/")[1] as AlertStatus;
    return new Response(null, { status: ANSWERS[status] });
  });
  const server = await startTestServer({
    env: { WEBHOOK_ALLOW_SESSION_TARGETS: "true" },
    // Retried soon, and then not again for a minute: pending rows stay pending.
    alertTimings: { firstRetryMs: 50, maxRetryMs: 60_000, pollMs: 50 },
  });
  const sessions = {} as Record<AlertStatus, string>;
  for (const status of Object.keys(TARGETS) as AlertStatus[]) {
    sessions[status] = await manualRoundTrip(server.url, {
      webhooks: [TARGETS[status](receiver.url)],
    });
  }
  await eventually(async () => {
    const items: AlertItem[] = (await call(server.url, "GET", "/api/alerts?limit=500")).body.items;
    const settled = (status: AlertStatus) =>
      items.filter((a) =>
        a.session_id === sessions[status] && a.status === status && a.attempts >= 1
      ).length === 3;
    return (settled("delivered") && settled("failed") && settled("pending")) || undefined;
  }, { what: "three alerts delivered, three failed and three pending after an attempt" });
  return {
    server,
    receiver,
    sessions,
    async close() {
      await server.stop();
      await receiver.close();
    },
  };
}
