/**
 * Entry point of a session worker: hosts one session, or several
 * (`SESSIONS_PER_WORKER`), each a {@link SessionHost}, and routes the main
 * thread's messages to them by session id. A session that throws is dropped
 * alone (it reports `crashed`); the worker answers pings and bumps the
 * progress counter it shares with the supervisor for all its sessions. Runs
 * without network or file access.
 */
/// <reference lib="deno.worker" />
import { SessionHost } from "./session_host.ts";
import type { FromWorker, ToWorker } from "./worker_protocol.ts";

/** How long the injected "hang" fault blocks the worker. */
const HANG_MS = 60_000;

const hosts = new Map<string, SessionHost>();
/** Shared with the supervisor, which reads it to tell a busy worker from a hung one. */
let progress: Int32Array | undefined;

function advance(): void {
  if (progress) Atomics.add(progress, 0, 1);
}

function post(message: FromWorker): void {
  self.postMessage(message);
}

function handle(message: ToWorker): void {
  switch (message.type) {
    case "init": {
      progress = message.progress;
      const { sessionId } = message;
      hosts.get(sessionId)?.close();
      const host = new SessionHost(message, {
        post: (m) => {
          if (m.type === "crashed") hosts.delete(sessionId);
          post({ ...m, sessionId });
        },
        advance,
      });
      if (host.open) hosts.set(sessionId, host);
      return;
    }
    case "drop":
      hosts.get(message.sessionId)?.close();
      hosts.delete(message.sessionId);
      post({ type: "dropped", sessionId: message.sessionId });
      return;
    case "ping":
      post({ type: "pong", id: message.id });
      return;
    case "fault":
      if (message.fault === "hang") return hang();
      if (message.fault !== "crash") return busy(message.fault.busyMs);
      break;
  }
  hosts.get(message.sessionId)?.handle(message);
}

/**
 * Injected fault: blocks the thread for a minute without progress (and
 * without burning a core). A worker blocked for good could never be
 * reclaimed: Deno ends a terminated worker only when it returns to its
 * event loop.
 */
function hang(): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, HANG_MS);
}

/** Injected fault: blocks the event loop for `ms`, making progress all along. */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) advance();
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  advance();
  handle(event.data);
};
