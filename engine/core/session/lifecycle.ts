/**
 * Session lifecycle: the statuses a session goes through and which commands
 * each one accepts.
 */

/** Every status a session can be in. */
export const SESSION_STATUSES = [
  "starting",
  "warming_up",
  "running",
  "paused",
  "stopping",
  "stopped",
  "failed",
] as const;

/** One of {@link SESSION_STATUSES}. */
export type SessionStatus = typeof SESSION_STATUSES[number];

/** Statuses in which a session has a worker (or should get one back after a restart). */
export const ACTIVE_STATUSES: readonly SessionStatus[] = [
  "starting",
  "warming_up",
  "running",
  "paused",
  "stopping",
];

/**
 * Statuses each command accepts. `resume` of a failed session starts it again
 * from its last durable state (it may have failed because the service itself
 * stalled, not because of anything in the session).
 */
const ACCEPTS: Record<"pause" | "resume" | "stop", readonly SessionStatus[]> = {
  pause: ["starting", "warming_up", "running"],
  resume: ["paused", "failed"],
  stop: ["starting", "warming_up", "running", "paused", "failed"],
};

/** Why `command` cannot be applied in `status`, or undefined when it can. */
export function refusal(
  status: SessionStatus,
  command: "pause" | "resume" | "stop",
): string | undefined {
  if (ACCEPTS[command].includes(status)) return undefined;
  return `cannot ${command} a session that is ${status.replace("_", " ")} (allowed from: ${
    ACCEPTS[command].join(", ")
  })`;
}
