/**
 * Entry point of a session worker: hosts one session, or several
 * (`SESSIONS_PER_WORKER`), each a {@link SessionHost}, and routes the main
 * thread's messages to them by session id. Its sessions share one reader of
 * the market bus (each batch is read and decoded once for all of them), and
 * their effects go to the main thread together: one message at the end of each
 * turn of the worker's event loop, or earlier once the oldest effects in it
 * have waited {@link GROUP_MS}, with the reports of every session that has
 * any, always ahead of any later message of those sessions. Fills first: the
 * effects go before the states after them are serialised, which follow at
 * once in a second message (the main thread persists each report with its
 * state); a session about to change its state sends what it reported first.
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
import { type ReportedEffects, SessionHost } from "./session_host.ts";
import { warmUpInSlices } from "./session_warmup.ts";
import type { FromWorker, SessionState, SessionViews, ToWorker } from "./worker_protocol.ts";

/** How long the injected "hang" fault blocks the worker. */
const HANG_MS = 60_000;
/** The sessions' views go to the main thread at most this often. */
const VIEW_INTERVAL_MS = 200;
/**
 * The effects reported go to the main thread as soon as the oldest of them
 * has waited this long (ms), before the other sessions that handled the
 * same batch have reported: the first fills of a trade many sessions act on
 * do not wait for the last, in a few messages rather than one per session.
 */
const GROUP_MS = 0.5;

const hosts = new Map<string, SessionHost>();
const reader = new BusReader();
/** Effects reported and not yet sent, one entry per session (in the order they reported). */
const outbox = new Map<string, ReportedEffects & { readonly sessionId: string }>();
/** Sessions whose view changed since their views last went. */
const changed = new Set<string>();
/** The next sending of views, when one is due. */
let viewTimer: ReturnType<typeof setTimeout> | undefined;
let lastViews = -Infinity;
/** When the oldest report in the outbox was queued (`performance.now()`). */
let groupStarted = 0;
/** The warm-up of the fill code has begun (once per worker). */
let warming = false;
/** Shared with the supervisor, which reads it to tell a busy worker from a hung one. */
let progress: Int32Array | undefined;
/** Shared with the supervisor: bumped as effects start to gather (it then waits for their states). */
let reports: Int32Array | undefined;

function advance(): void {
  if (progress) Atomics.add(progress, 0, 1);
}

/** Sends a message, after the effects reported before it. */
function post(message: FromWorker): void {
  flush();
  self.postMessage(message);
}

/**
 * Queues a session's effects; they go at the end of this turn (or before the
 * next message), or at once when the oldest queued has waited {@link GROUP_MS}.
 * (A session reports again only after they went: it sends them before its
 * state changes.)
 */
function report(entry: ReportedEffects & { readonly sessionId: string }): void {
  if (outbox.size === 0) {
    if (reports) Atomics.add(reports, 0, 1);
    queueMicrotask(flush);
    groupStarted = performance.now();
  }
  outbox.set(entry.sessionId, entry);
  if (performance.now() - groupStarted >= GROUP_MS) flush();
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

/** Sends the effects reported so far in one message, then the states after them in another. */
function flush(): void {
  if (outbox.size === 0) return;
  const reported = [...outbox.values()];
  outbox.clear();
  const reports = reported.map(({ sessionId, effects, receivedAt }) => ({
    sessionId,
    effects: JSON.stringify(effects),
    receivedAt,
  }));
  self.postMessage({ type: "effects", reports } satisfies FromWorker);
  const states: SessionState[] = [];
  for (const { sessionId, state } of reported) {
    const now = state();
    if (now) states.push({ sessionId, ...now });
  }
  self.postMessage({ type: "states", states } satisfies FromWorker);
}

function handle(message: ToWorker): void {
  switch (message.type) {
    case "init": {
      progress = message.progress;
      reports = message.reports;
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
        report: (entry) => report({ ...entry, sessionId }),
        flush,
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
