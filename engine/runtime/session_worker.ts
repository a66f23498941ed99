/**
 * Entry point of a session worker: hosts one session, or several
 * (`SESSIONS_PER_WORKER`), each a {@link SessionHost}, and routes the main
 * thread's messages to them by session id. Its sessions share one reader of
 * the market bus (each batch is read and decoded once for all of them), and
 * their effects go to the main thread together, the states after them in a
 * second message once the main thread has read the effects
 * ({@link ReportOutbox}), always ahead of any later message of those sessions.
 * Their views go together too, at most every {@link VIEW_INTERVAL_MS} (the
 * last change always follows), after the effects they cover. A session that
 * throws is dropped alone (it reports `crashed`); the worker answers pings and
 * bumps the progress counter it shares with the supervisor for all its
 * sessions. A pooled worker warms its fill code up with a throwaway session
 * in the background ({@link warmUpInSlices}).
 * Runs without network or file access.
 */
/// <reference lib="deno.worker" />
import { BusReader } from "./market/bus_reader.ts";
import { SessionHost } from "./session_host.ts";
import { ReportOutbox } from "./report_outbox.ts";
import { warmUpInSlices } from "./session_warmup.ts";
import type { FromWorker, SessionViews, ToWorker } from "./worker_protocol.ts";

/** How long the injected "hang" fault blocks the worker. */
const HANG_MS = 60_000;
/** The sessions' views go to the main thread at most this often. */
const VIEW_INTERVAL_MS = 200;

const hosts = new Map<string, SessionHost>();
const reader = new BusReader();
/** The sessions' effects and states on their way to the main thread. */
const outbox = new ReportOutbox((message) => self.postMessage(message));
/** Sessions whose view changed since their views last went. */
const changed = new Set<string>();
/** The next sending of views, when one is due. */
let viewTimer: ReturnType<typeof setTimeout> | undefined;
let lastViews = -Infinity;
/** The warm-up of the fill code has begun (once per worker). */
let warming = false;
/** Shared with the supervisor, which reads it to tell a busy worker from a hung one. */
let progress: Int32Array | undefined;

function advance(): void {
  if (progress) Atomics.add(progress, 0, 1);
}

/** Sends a message, after the effects reported before it and the states after them. */
function post(message: FromWorker): void {
  outbox.flushAll();
  self.postMessage(message);
}

/**
 * Notes that a session's view changed: the views go once none went for
 * {@link VIEW_INTERVAL_MS}, at the earliest after this turn (after the
 * effects of every session that handled the same batch).
 */
function viewChanged(sessionId: string): void {
  changed.add(sessionId);
  if (viewTimer !== undefined) return;
  const wait = Math.max(0, lastViews + VIEW_INTERVAL_MS - performance.now());
  viewTimer = setTimeout(sendViews, wait);
}

/** Sends the views of the sessions that changed, in one message (after the effects they cover). */
function sendViews(): void {
  viewTimer = undefined;
  lastViews = performance.now();
  const views: SessionViews = [];
  for (const sessionId of changed) {
    const view = hosts.get(sessionId)?.view();
    if (view) views.push({ sessionId, view });
  }
  changed.clear();
  if (views.length > 0) post({ type: "views", views });
}

function handle(message: ToWorker): void {
  switch (message.type) {
    case "init": {
      progress = message.progress;
      outbox.share({ reports: message.reports, taken: message.taken });
      if (message.warmUp && !warming) {
        warming = true;
        warmUpInSlices(message.execution);
      }
      const { sessionId } = message;
      hosts.get(sessionId)?.close();
      const host = new SessionHost(message, {
        post: (m) => {
          if (m.type === "crashed") hosts.delete(sessionId);
          post({ ...m, sessionId });
        },
        report: (entry) => outbox.report({ ...entry, sessionId }),
        flush: () => outbox.flushAll(),
        viewChanged: () => viewChanged(sessionId),
        reader,
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
