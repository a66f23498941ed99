/**
 * An alert of the outbox as people see it (CLI and dashboard): kind,
 * session, delivery status, attempts, last error and time. Never its target:
 * chat services' URLs hold tokens.
 */
import { MISSING, time } from "./format.ts";

/** What an alert list shows of an alert (the API's alert has these fields and more). */
export interface ShownAlert {
  /** When the event happened (epoch ms). */
  readonly time: number;
  readonly kind: string;
  readonly session_id: string | null;
  readonly status: string;
  readonly attempts: number;
  readonly last_error: string | null;
}

/** The columns of an alert list, in order. */
export const ALERT_COLUMNS = [
  "TIME",
  "KIND",
  "SESSION",
  "STATUS",
  "ATTEMPTS",
  "LAST ERROR",
] as const;

/** One alert's cells, in the order of {@link ALERT_COLUMNS}. */
export function alertCells(alert: ShownAlert): string[] {
  return [
    time(alert.time),
    alert.kind,
    alert.session_id ?? "(service)",
    alert.status,
    String(alert.attempts),
    alert.last_error ? withoutUrls(alert.last_error) : MISSING,
  ];
}

/** `text` with every URL in it replaced by `…`. */
function withoutUrls(text: string): string {
  return text.replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, "…");
}
