/**
 * Telling "the database cannot be reached right now" apart from "this
 * statement is wrong": the first is worth retrying and is reported as
 * unavailability (HTTP 503), the second is not.
 * @module
 */

/**
 * The database server cannot be reached or is going away (connection refused,
 * lost, timed out, server shutting down or starting up). The message is a
 * short reason without host names or ports.
 */
export class DatabaseUnavailableError extends Error {
  override name = "DatabaseUnavailableError";
  /** Why, in a few words, e.g. `connection refused`. */
  readonly reason: string;

  constructor(reason: string, options?: ErrorOptions) {
    super(`database unavailable: ${reason}`, options);
    this.reason = reason;
  }
}

/** Driver and socket error codes (and SQLSTATEs) that mean the server is out of reach. */
const REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection lost",
  EPIPE: "connection lost",
  CONNECTION_CLOSED: "connection lost",
  CONNECTION_ENDED: "connection closed",
  CONNECTION_DESTROYED: "connection closed",
  CONNECT_TIMEOUT: "connection timed out",
  ETIMEDOUT: "connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host not found",
  "57P01": "server shutting down",
  "57P02": "server shutting down",
  "57P03": "server starting up",
  "53300": "too many connections",
};

/** Deno's own network error classes, by name. */
const DENO_REASONS: Record<string, string> = {
  ConnectionRefused: "connection refused",
  ConnectionReset: "connection lost",
  ConnectionAborted: "connection lost",
  BrokenPipe: "connection lost",
  TimedOut: "connection timed out",
  NotConnected: "connection lost",
};

/**
 * The short reason when `error` means the server is out of reach (any
 * SQLSTATE of class 08, connection exception, counts too), else undefined.
 */
export function unavailableReason(error: unknown): string | undefined {
  if (error instanceof DatabaseUnavailableError) return error.reason;
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") {
    if (code in REASONS) return REASONS[code];
    if (code.startsWith("08")) return "connection failed";
  }
  return DENO_REASONS[error.name];
}

/** SQLSTATE classes of failures that may succeed when tried again (serialization, resources, locks). */
const TRANSIENT_SQLSTATE = /^(40001|40P01|55P03|53\d{3})$/;

/**
 * True when trying again later may succeed: the server is out of reach, or it
 * refused for a passing reason (serialization failure, deadlock, lock
 * timeout, insufficient resources).
 */
export function isTransient(error: unknown): boolean {
  if (unavailableReason(error) !== undefined) return true;
  const code = (error as { code?: unknown })?.code;
  return typeof code === "string" && TRANSIENT_SQLSTATE.test(code);
}
