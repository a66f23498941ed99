/**
 * Feed outages as alerts: watches the feed's connection state and raises
 * `feed_down` when a connected feed drops and `feed_up` when it is back (with
 * how long it was down). The state at start is the baseline, not an alert.
 */
import type { NewAlert } from "../../../db/stores/mod.ts";
import type { FeedStatus } from "../market/mod.ts";

/** Polls a feed's status and reports its outages. */
export class FeedWatch {
  readonly #status: () => FeedStatus | undefined;
  readonly #emit: (alert: NewAlert) => void;
  readonly #now: () => number;
  #connected: boolean | undefined;
  #downSince: number | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    /** undefined: not watched here now (another node of the cluster runs the feed). */
    status: () => FeedStatus | undefined,
    options: { emit: (alert: NewAlert) => void; now?: () => number },
  ) {
    this.#status = status;
    this.#emit = options.emit;
    this.#now = options.now ?? Date.now;
  }

  /** Checks every `intervalMs`. */
  start(intervalMs: number): void {
    this.check();
    this.#timer ??= setInterval(() => this.check(), intervalMs);
  }

  /** Compares the connection state with the last one seen; raises an alert on a change. */
  check(): void {
    const status = this.#status();
    if (!status) return void (this.#connected = this.#downSince = undefined);
    const was = this.#connected;
    this.#connected = status.connected;
    if (was === undefined || was === status.connected) return;
    const now = this.#now();
    if (!status.connected) {
      this.#downSince = now;
      this.#emit({
        key: `feed_down:${status.name}:${now}`,
        kind: "feed_down",
        sessionId: null,
        time: now,
        data: { feed: status.name, simulated: status.simulated, reason: status.reason ?? null },
      });
    } else if (this.#downSince !== undefined) {
      this.#emit({
        key: `feed_up:${status.name}:${this.#downSince}`,
        kind: "feed_up",
        sessionId: null,
        time: now,
        data: { feed: status.name, simulated: status.simulated, down_ms: now - this.#downSince },
      });
      this.#downSince = undefined;
    }
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
