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

const ACCEPTS: Record<"pause" | "resume" | "stop", readonly SessionStatus[]> = {
  pause: ["starting", "warming_up", "running"],
  resume: ["paused"],
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
