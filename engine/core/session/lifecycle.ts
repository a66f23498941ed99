/**
 * Session lifecycle: the statuses a session goes through and the one
 * transition table (status × event → status, with the reason) that every
 * status change goes through: the supervisor's, the session service's and
 * what the store writes.
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

/** A user command: the events a user can ask for. */
export type SessionCommand = "pause" | "resume" | "stop";

/**
 * What happens to a session: a user command, or what its worker and the
 * service report.
 * - `warming` / `warmed`: the worker reports its phase (warming up, running);
 * - `restored_paused`: a worker came up from a paused state;
 * - `restart`: the worker crashed, hung or was suspended and starts again;
 * - `fail`: too many restarts;
 * - `stopped`: a stop is complete (also a stop interrupted by a service restart).
 */
export type SessionEvent =
  | SessionCommand
  | "warming"
  | "warmed"
  | "restored_paused"
  | "restart"
  | "fail"
  | "stopped";

/** Every {@link SessionEvent}. */
export const SESSION_EVENTS: readonly SessionEvent[] = [
  "pause",
  "resume",
  "stop",
  "warming",
  "warmed",
  "restored_paused",
  "restart",
  "fail",
  "stopped",
];

/** One legal move of the table: the status it leads to and why. */
interface Move {
  readonly to: SessionStatus;
  readonly reason: string;
}

const RUNNING = ["starting", "warming_up", "running"] as const;

function moves(
  from: readonly SessionStatus[],
  to: SessionStatus,
  reason: string,
): Partial<Record<SessionStatus, Move>> {
  return Object.fromEntries(from.map((status) => [status, { to, reason }]));
}

/**
 * The transition table. `resume` of a failed session starts it again from its
 * last durable state (it may have failed because the service itself stalled,
 * not because of anything in the session); `stop` of a failed one (it has no
 * worker) stops it at once.
 */
const TABLE: Record<SessionEvent, Partial<Record<SessionStatus, Move>>> = {
  pause: moves(RUNNING, "paused", "paused by the user"),
  resume: {
    paused: { to: "running", reason: "resumed by the user" },
    failed: {
      to: "starting",
      reason: "resumed by the user: starting again from its durable state",
    },
  },
  stop: {
    ...moves([...RUNNING, "paused"], "stopping", "stop asked by the user"),
    failed: { to: "stopped", reason: "stopped by the user (it had no worker)" },
  },
  warming: moves(RUNNING, "warming_up", "the worker is warming up its indicators"),
  warmed: moves(RUNNING, "running", "the worker is warmed up and trading"),
  restored_paused: moves(
    ["starting", "paused"],
    "paused",
    "the worker came up from a paused state",
  ),
  restart: {
    ...moves([...RUNNING, "stopping"], "starting", "the worker restarts from the durable state"),
    paused: { to: "paused", reason: "the worker restarts from the durable (paused) state" },
  },
  fail: moves(ACTIVE_STATUSES, "failed", "too many worker restarts"),
  stopped: moves(["stopping"], "stopped", "the stop is complete"),
};

/** The outcome of applying an event to a status: the move, or why it is refused. */
export type Transition =
  | {
    readonly ok: true;
    readonly from: SessionStatus;
    readonly event: SessionEvent;
    readonly to: SessionStatus;
    readonly reason: string;
  }
  | {
    readonly ok: false;
    readonly from: SessionStatus;
    readonly event: SessionEvent;
    readonly reason: string;
  };

/** A legal {@link Transition}: what the store writes. */
export type StatusChange = Extract<Transition, { ok: true }>;

/** Applies `event` to a session in `status`: where it leads and why, or why it is refused. */
export function transition(status: SessionStatus, event: SessionEvent): Transition {
  const move = TABLE[event][status];
  if (move) return { ok: true, from: status, event, to: move.to, reason: move.reason };
  const allowed = Object.keys(TABLE[event]).join(", ");
  return {
    ok: false,
    from: status,
    event,
    reason: `cannot ${event.replace("_", " ")} a session that is ${
      status.replace("_", " ")
    } (allowed from: ${allowed})`,
  };
}
