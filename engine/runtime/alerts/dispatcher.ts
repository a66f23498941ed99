/**
 * Delivers the outbox at least once: claims due rows under a lease (a row
 * claimed by a process that stopped comes due again when the lease ends),
 * posts each with a timeout, a few at a time and at most `perTarget` per
 * target, counted over every process sharing the database (so a slow or
 * failing target cannot hold up the others, and no target gets more at once
 * from a cluster than from one node), and marks
 * it delivered, or schedules the next attempt with exponential backoff (with
 * jitter), or later when the target asked for a longer wait (`Retry-After`).
 * A row is given up after `maxAttempts`, or at once when the target refused
 * it for good (a 4xx other than 408, 425, 429). It runs beside the sessions
 * and never holds them up: a session commit only adds rows.
 */
import { type AlertOutbox, type ClaimedAlert } from "../../../db/stores/mod.ts";
import { parseWebhookTarget, redactWebhookTarget } from "../../../contract/mod.ts";
import type { Logger } from "../log.ts";
import { postAlert, type PostFailure } from "./post.ts";
import { renderAlert } from "./render.ts";
import { isPermanentFailure } from "./retry_rules.ts";
import { signAlert } from "./signature.ts";

/** How the dispatcher paces itself. */
export interface DispatchTimings {
  /** Deliveries in flight at once. */
  readonly concurrency: number;
  /** Deliveries in flight at once to one target, across every process sharing the database. */
  readonly perTarget: number;
  /** Deadline of one delivery (connect, send, answer headers). */
  readonly timeoutMs: number;
  /** How often the outbox is looked at when nothing wakes the dispatcher. */
  readonly pollMs: number;
  /** Delay after the first failure; doubles per attempt up to {@link maxRetryMs}. */
  readonly firstRetryMs: number;
  readonly maxRetryMs: number;
  /** Attempts before a row is given up (`failed`). */
  readonly maxAttempts: number;
  /** Delivered rows are deleted after this long. */
  readonly keepDeliveredMs: number;
}

/** Defaults: 4 at once, 1 per target, 5 s per attempt, 1 s → 10 min backoff, 30 attempts (about 4 hours). */
export const DISPATCH_TIMINGS: DispatchTimings = {
  concurrency: 4,
  perTarget: 1,
  timeoutMs: 5_000,
  pollMs: 1_000,
  firstRetryMs: 1_000,
  maxRetryMs: 10 * 60_000,
  maxAttempts: 30,
  keepDeliveredMs: 7 * 24 * 3600_000,
};

/** How long a claim holds a row: past any attempt's deadline, with room to record the result. */
const LEASE_MARGIN_MS = 10_000;
/** How often delivered rows are pruned. */
const PRUNE_EVERY_MS = 3600_000;

/** Posts outbox rows to their targets. */
export class AlertDispatcher {
  readonly #outbox: AlertOutbox;
  readonly #secret: string | undefined;
  readonly #timings: DispatchTimings;
  readonly #log: Logger;
  readonly #inflight = new Set<Promise<void>>();
  #running: Promise<void> | undefined;
  #closed = false;
  #woken = false;
  #wakeUp: (() => void) | undefined;
  #lastPrune = 0;
  /** Why the last claim failed (the database), until one succeeds. */
  #error: string | undefined;

  constructor(
    outbox: AlertOutbox,
    options: { secret?: string; timings?: Partial<DispatchTimings>; log: Logger },
  ) {
    this.#outbox = outbox;
    this.#secret = options.secret;
    this.#timings = { ...DISPATCH_TIMINGS, ...options.timings };
    this.#log = options.log;
  }

  /** Starts delivering (once). */
  start(): void {
    this.#running ??= this.#run();
  }

  /** Looks at the outbox now (new rows were stored). */
  wake(): void {
    this.#woken = true;
    this.#wakeUp?.();
  }

  /** Deliveries in flight, and why the outbox could not be read, if it could not. */
  stats(): { in_flight: number; error: string | null } {
    return { in_flight: this.#inflight.size, error: this.#error ?? null };
  }

  /** Stops claiming and waits for the deliveries in flight (each bounded by its timeout). */
  async close(): Promise<void> {
    this.#closed = true;
    this.wake();
    await this.#running;
    await Promise.allSettled([...this.#inflight]);
  }

  async #run(): Promise<void> {
    while (!this.#closed) {
      this.#woken = false;
      const free = this.#timings.concurrency - this.#inflight.size;
      if (free > 0) {
        try {
          // The outbox counts the rows in flight per target, of this process and of any other.
          const rows = await this.#outbox.claim(free, this.#timings.timeoutMs + LEASE_MARGIN_MS, {
            perTarget: this.#timings.perTarget,
          });
          this.#error = undefined;
          for (const row of rows) this.#track(this.#attempt(row));
          await this.#prune();
        } catch (error) {
          this.#error = `cannot read the alert outbox: ${(error as Error).message}`;
        }
      }
      await this.#sleep();
    }
  }

  /** Waits for {@link wake}, a delivery finishing, or the poll interval. */
  async #sleep(): Promise<void> {
    if (this.#woken || this.#closed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.#timings.pollMs);
      this.#wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#wakeUp = undefined;
  }

  #track(delivery: Promise<void>): void {
    this.#inflight.add(delivery);
    delivery.catch((error) => this.#log.error(`alert delivery: ${error}`)).finally(() => {
      this.#inflight.delete(delivery);
      this.wake();
    });
  }

  /** One attempt at one row, its outcome recorded; never rejects. */
  async #attempt(row: ClaimedAlert): Promise<void> {
    const target = parseWebhookTarget(row.target);
    let failure: PostFailure | undefined;
    let body: string | undefined;
    if (typeof target === "string") {
      failure = { error: `invalid target: ${target}` };
    } else {
      try {
        body = renderAlert(row, target);
      } catch (error) {
        failure = { error: `cannot render the alert: ${(error as Error).message}` };
      }
    }
    if (body !== undefined && typeof target !== "string") {
      const headers: Record<string, string> = {
        "content-type": "application/json",
        "user-agent": "paper-trader-alerts",
        "idempotency-key": row.key,
        "x-alert-kind": row.kind,
      };
      if (this.#secret) headers["x-signature-256"] = await signAlert(this.#secret, body);
      failure = await postAlert(target.url, body, {
        headers,
        timeoutMs: this.#timings.timeoutMs,
      });
    }
    const attempts = row.attempts + 1;
    try {
      if (failure === undefined) return await this.#outbox.delivered(row.key, row.target);
      const error = failure.error;
      // A target or an alert that can never be sent, or a refusal for good, is given up at once.
      const refused = failure.status !== undefined && isPermanentFailure(failure.status);
      const giveUp = body === undefined || refused || attempts >= this.#timings.maxAttempts;
      await this.#outbox.attemptFailed(row.key, row.target, {
        error,
        retryMs: giveUp ? null : this.#retryDelay(attempts, failure),
      });
      const shown = redactWebhookTarget(row.target);
      if (giveUp) {
        this.#log.warn(
          `alert ${row.key} to ${shown}: gave up after ${attempts} attempts (${error}${
            refused ? ": refused, not retried" : ""
          })`,
        );
      } else if (attempts === 1) {
        this.#log.warn(`alert ${row.key} to ${shown}: ${error}; retrying with backoff`);
      }
    } catch (stored) {
      // The lease runs out and the row is tried again: at least once, maybe twice.
      this.#log.warn(`alert ${row.key}: outcome not stored (${(stored as Error).message})`);
    }
  }

  /**
   * Delay before attempt `attempts + 1`: the backoff, or longer when the
   * target asked for a longer wait (`Retry-After`), never past the longest backoff.
   */
  #retryDelay(attempts: number, failure: PostFailure): number {
    const backoff = this.#backoff(attempts);
    if (failure.retryAfterMs === undefined) return backoff;
    return Math.min(Math.max(backoff, failure.retryAfterMs), this.#timings.maxRetryMs);
  }

  /** Doubling from the first delay, capped, ±20 % jitter. */
  #backoff(attempts: number): number {
    const base = Math.min(
      this.#timings.firstRetryMs * 2 ** (attempts - 1),
      this.#timings.maxRetryMs,
    );
    return Math.round(base * (0.8 + 0.4 * Math.random()));
  }

  async #prune(): Promise<void> {
    const now = Date.now();
    if (now - this.#lastPrune < PRUNE_EVERY_MS) return;
    this.#lastPrune = now;
    const removed = await this.#outbox.prune(this.#timings.keepDeliveredMs);
    if (removed > 0) this.#log.debug(`alert outbox: ${removed} delivered rows pruned`);
  }
}
