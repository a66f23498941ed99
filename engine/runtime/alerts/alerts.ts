/**
 * The alert service: the source the persister commits session alerts from,
 * {@link Alerts.emit} for alerts outside a session's event log, the feed
 * watch, the dispatcher, and what the API and health show of the outbox.
 */
import { redactWebhookTarget } from "../../../contract/mod.ts";
import type { Db } from "../../../db/mod.ts";
import {
  AlertOutbox,
  type AlertRow,
  type AlertStatus,
  type AlertTargets,
  type NewAlert,
  type OutboxStats,
} from "../../../db/stores/mod.ts";
import type { WebhookConfig } from "../config.ts";
import type { Logger } from "../log.ts";
import type { FeedStatus } from "../market/mod.ts";
import { AlertDispatcher, type DispatchTimings } from "./dispatcher.ts";
import { FeedWatch } from "./feed_watch.ts";
import { SessionAlertSource } from "./source.ts";

/** Alerts waiting in memory for the database (an outage) at most; older ones are dropped. */
const MAX_UNSTORED = 1_000;
/** Retry delay for storing emitted alerts while the database is out. */
const STORE_RETRY_MS = 1_000;
/** How often the feed's connection is looked at. */
const FEED_CHECK_MS = 1_000;

/** What `GET /api/health` shows of alerts. */
export interface AlertHealth extends Partial<OutboxStats> {
  /** Global targets (`WEBHOOK_URLS`), shown without path or query. */
  readonly targets: readonly string[];
  readonly session_targets: boolean;
  readonly in_flight: number;
  /** Emitted alerts not stored yet (database out). */
  readonly unstored: number;
  /** Why the outbox could not be read, if it could not. */
  readonly error: string | null;
}

/** Alerts of the service. */
export class Alerts {
  /** Session alerts, committed by the persister with the events they describe. */
  readonly source: SessionAlertSource;
  readonly #outbox: AlertOutbox;
  readonly #dispatcher: AlertDispatcher;
  readonly #targets: AlertTargets;
  readonly #config: WebhookConfig;
  readonly #log: Logger;
  #unstored: NewAlert[] = [];
  #storing = false;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #feedWatch: FeedWatch | undefined;

  constructor(
    db: Db,
    config: WebhookConfig,
    options: { log: Logger; timings?: Partial<DispatchTimings> },
  ) {
    this.#config = config;
    this.#log = options.log;
    this.#outbox = new AlertOutbox(db);
    this.#targets = { global: config.urls, perSession: config.allowSessionTargets };
    this.#dispatcher = new AlertDispatcher(this.#outbox, {
      secret: config.secret,
      timings: { timeoutMs: config.timeoutMs, ...options.timings },
      log: options.log,
    });
    this.source = new SessionAlertSource(this.#targets, {
      kinds: config.events,
      committed: () => this.#dispatcher.wake(),
    });
  }

  /** Whether any alert can have a target. */
  get enabled(): boolean {
    return this.#targets.global.length > 0 || this.#targets.perSession;
  }

  /** Starts delivering, and watches `feedStatus` for outages (undefined: not watched here now). */
  start(feedStatus: () => FeedStatus | undefined): void {
    if (!this.enabled) return;
    this.#dispatcher.start();
    this.#feedWatch = new FeedWatch(feedStatus, { emit: (alert) => this.emit(alert) });
    this.#feedWatch.start(FEED_CHECK_MS);
  }

  /**
   * Stores an alert that is not part of a session commit (a feed outage, an
   * account-wide risk change) for every global target and, when allowed, the
   * targets of its session; call it once the event it describes is durable.
   * Never throws: while the database is out, alerts wait in memory (at most
   * 1,000) and are stored when it is back. A repeated key is stored once.
   */
  emit(alert: NewAlert): void {
    if (!this.enabled || !this.#config.events.includes(alert.kind as never)) return;
    this.#unstored.push(alert);
    if (this.#unstored.length > MAX_UNSTORED) {
      const dropped = this.#unstored.shift()!;
      this.#log.warn(`alert ${dropped.key} dropped: the database has been out too long`);
    }
    void this.#store();
  }

  /** Outbox rows, newest first, targets shown without path or query. */
  async list(
    options: { status?: AlertStatus; sessionId?: string; limit: number; offset: number },
  ): Promise<AlertRow[]> {
    const rows = await this.#outbox.list(options);
    return rows.map((row) => ({ ...row, target: redactWebhookTarget(row.target) }));
  }

  /** Counts of the outbox, its latest failure, and the dispatcher's state. */
  async health(): Promise<AlertHealth> {
    const dispatcher = this.#dispatcher.stats();
    const base = {
      targets: this.#targets.global.map(redactWebhookTarget),
      session_targets: this.#targets.perSession,
      in_flight: dispatcher.in_flight,
      unstored: this.#unstored.length,
    };
    try {
      const stats = await this.#outbox.stats();
      const last = stats.last_error &&
        { ...stats.last_error, target: redactWebhookTarget(stats.last_error.target) };
      return { ...base, ...stats, last_error: last, error: dispatcher.error };
    } catch (error) {
      return { ...base, error: `cannot read the alert outbox: ${(error as Error).message}` };
    }
  }

  /** Stops watching and delivering (deliveries in flight finish, within their timeout). */
  async close(): Promise<void> {
    this.#feedWatch?.stop();
    clearTimeout(this.#retry);
    await this.#dispatcher.close();
  }

  /** Stores the alerts waiting in memory; retries later while the database is out. */
  async #store(): Promise<void> {
    if (this.#storing) return;
    this.#storing = true;
    try {
      while (this.#unstored.length > 0) {
        const batch = this.#unstored.slice();
        await this.#outbox.add(batch, this.#targets);
        const stored = new Set(batch);
        this.#unstored = this.#unstored.filter((alert) => !stored.has(alert));
        this.#dispatcher.wake();
      }
    } catch (error) {
      this.#log.debug(`alerts not stored yet (${(error as Error).message}); retrying`);
      clearTimeout(this.#retry);
      this.#retry = setTimeout(() => void this.#store(), STORE_RETRY_MS);
    } finally {
      this.#storing = false;
    }
  }
}
