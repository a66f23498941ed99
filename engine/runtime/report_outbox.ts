/**
 * A session worker's outgoing effects and states. The effects its sessions
 * report go to the main thread together: one `effects` message at the end of
 * the worker's turn, or earlier once the oldest have waited
 * {@link GROUP_MS}. The states right after them follow in a `states`
 * message, one for each `effects` message and in the same order, once the
 * supervisor has taken the effects (a count in shared memory), at the latest
 * {@link STATES_WAIT_MS} after them: meanwhile the worker leaves the core to
 * the main thread, which reads the fills of every worker before any states
 * are serialised. A session about to change its state sends everything
 * owed at once ({@link ReportOutbox.flushAll}).
 */
import type { ReportedEffects } from "./session_host.ts";
import { type FromWorker, type SessionState, STATES_WAIT_MS } from "./worker_protocol.ts";

/**
 * The effects reported go to the main thread as soon as the oldest of them
 * has waited this long (ms), before the other sessions that handled the
 * same batch have reported: the first fills of a trade many sessions act on
 * do not wait for the last, in a few messages rather than one per session.
 */
const GROUP_MS = 0.5;

/** One session's report, named. */
export type Report = ReportedEffects & { readonly sessionId: string };

/** The counters a worker shares with the supervisor about its reports (see `init` in worker_protocol.ts). */
export interface ReportCounters {
  /** Bumped here as effects start to gather (the supervisor then waits for their states). */
  readonly reports?: Int32Array;
  /** `effects` messages the supervisor has taken; absent: the states follow at once. */
  readonly taken?: Int32Array;
}

/** Effects and the states after them, on their way to the main thread (see the module doc). */
export class ReportOutbox {
  readonly #post: (message: FromWorker) => void;
  #counters: ReportCounters = {};
  /** Effects reported and not yet sent, one entry per session (in the order they reported). */
  readonly #effects = new Map<string, Report>();
  /** When the oldest of {@link #effects} was reported (`performance.now()`). */
  #groupStarted = 0;
  /** `effects` messages sent. */
  #sent = 0;
  /** Per `effects` message sent, in order, the reports whose states have not gone yet. */
  readonly #stateless: Report[][] = [];
  /** Bounds the wait for the supervisor to take the effects, while it lasts (and names that wait). */
  #statesTimer: ReturnType<typeof setTimeout> | undefined;
  /** Bound once: a gathering of effects or a wait allocates no callback. */
  readonly #flushNow = () => this.flush();
  readonly #sendStatesNow = () => this.#sendStates();

  /** Sends with `post` (the worker's `postMessage`). */
  constructor(post: (message: FromWorker) => void) {
    this.#post = post;
  }

  /** Shares these counters with the supervisor from now on. */
  share(counters: ReportCounters): void {
    this.#counters = counters;
  }

  /**
   * Queues a session's effects; they go at the end of this turn (or before
   * the next message), or at once when the oldest queued has waited
   * {@link GROUP_MS}. (A session reports again only after they went: it
   * sends them before its state changes.)
   */
  report(entry: Report): void {
    if (this.#effects.size === 0) {
      if (this.#counters.reports) Atomics.add(this.#counters.reports, 0, 1);
      queueMicrotask(this.#flushNow);
      this.#groupStarted = performance.now();
    }
    this.#effects.set(entry.sessionId, entry);
    if (performance.now() - this.#groupStarted >= GROUP_MS) this.flush();
  }

  /** Sends the effects reported so far in one message; their states follow when taken. */
  flush(): void {
    if (this.#effects.size === 0) return;
    const reported = [...this.#effects.values()];
    this.#effects.clear();
    const reports = reported.map(({ sessionId, effects, receivedAt }) => ({
      sessionId,
      effects: JSON.stringify(effects),
      receivedAt,
    }));
    this.#post({ type: "effects", reports });
    this.#sent++;
    this.#stateless.push(reported);
    this.#sendStatesWhenTaken();
  }

  /** Sends the effects reported so far, then every state owed (before a session's state changes). */
  flushAll(): void {
    this.flush();
    this.#sendStates();
  }

  #sendStatesWhenTaken(): void {
    const { taken } = this.#counters;
    if (!taken) return this.#sendStates();
    if (this.#statesTimer !== undefined) return;
    // A timer, not the wait's own timeout, bounds the wait: only a timer wakes an idle worker.
    const timer = setTimeout(this.#sendStatesNow, STATES_WAIT_MS);
    this.#statesTimer = timer;
    this.#awaitTaken(taken, timer);
  }

  /**
   * Sends the states owed once `taken` has caught up with the `effects`
   * messages sent; a wait whose states went meanwhile (its `timer` is no
   * longer the current one) ends at its next turn.
   */
  #awaitTaken(taken: Int32Array, timer: ReturnType<typeof setTimeout>): void {
    if (timer !== this.#statesTimer) return;
    const seen = Atomics.load(taken, 0);
    if (seen >= this.#sent) return this.#sendStates();
    const result = Atomics.waitAsync(taken, 0, seen, STATES_WAIT_MS);
    if (result.async) result.value.then(() => this.#awaitTaken(taken, timer));
    else this.#awaitTaken(taken, timer);
  }

  /** Sends the states owed, one `states` message for each `effects` message, in order. */
  #sendStates(): void {
    clearTimeout(this.#statesTimer);
    this.#statesTimer = undefined;
    for (const reported of this.#stateless.splice(0)) {
      const states: SessionState[] = [];
      for (const { sessionId, state } of reported) {
        const now = state();
        if (now) states.push({ sessionId, ...now });
      }
      this.#post({ type: "states", states });
    }
  }
}
