/**
 * Group commit of session events: everything queued while a commit runs
 * goes into the next one, so many sessions' events, snapshots and statuses
 * become durable together, off the sessions' hot path. A write's promise
 * resolves only once it is committed: callers report fills after that,
 * never before.
 *
 * Up to {@link MAX_INFLIGHT} commits run at once, each over sessions none of
 * the others holds: the database always has the next batch to work on (no
 * idle round trip through a busy main thread between two commits), while a
 * session's writes still commit one after the other, in order.
 *
 * Each commit is one SQL statement (atomic by itself, one round trip, no
 * interactive transaction for a failing connection to break).
 *
 * Outages: a commit that fails because the database is out of reach (or for
 * another passing reason) is retried with backoff until it succeeds, one
 * commit at a time. It goes back to the head of the queue, so nothing of its
 * sessions queued behind it commits first: a snapshot never lands ahead of
 * events it includes. While writes wait, the writes of one session are
 * merged (events appended in order, the latest snapshot and status kept), so
 * the queue grows by the events only; the supervisor bounds that per session.
 *
 * A commit refused for any other reason (bad data) is retried session by
 * session: only the session whose write is refused gets the error, and every
 * later write of that session is refused too until {@link Persister.readmit},
 * so its history never gets a hole with later events after it.
 */
import { type Db, isTransient, unavailableReason } from "../../db/mod.ts";
import { type LogAlerts, type LogWrite, SessionLog } from "../../db/stores/mod.ts";
import type { SessionEffect } from "../core/session/mod.ts";
import { settledWithin } from "./deadline.ts";
import { ServiceUnavailableError } from "./errors.ts";
import type { Logger } from "./log.ts";
import { errorText } from "../core/error_text.ts";

/** One session's effects with their sequence numbers, the state after them and its status. */
export type SessionWrite = LogWrite;

/** How a node of a cluster fences its sessions' commits. */
export interface Fencing {
  /** The token of the session's lease as this node holds it (−1 when it holds none). */
  token(sessionId: string): number;
  /** The session's lease has moved to another node: its writes were refused. */
  lost(sessionId: string): void;
}

/** A session's writes were refused: another node has taken over its lease (503: ask again). */
export class LeaseLostError extends ServiceUnavailableError {
  constructor(sessionId: string) {
    super(`session ${sessionId}: writes refused, another node holds its lease now; try again`);
  }
}

/** The database could not take writes: since when (epoch ms) and why. */
export interface Outage {
  readonly since: number;
  readonly reason: string;
  readonly retries: number;
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** Queued writes of one session, merged. */
interface Entry extends LogWrite {
  readonly sessionId: string;
  readonly firstSeq: number;
  readonly effects: SessionEffect[];
  snapshot?: string;
  status?: LogWrite["status"];
  readonly waiters: Waiter[];
}

/** Largest number of entries committed in one statement. */
const MAX_BATCH = 2_000;
/** Most commits running at once (one while the database is out). */
const MAX_INFLIGHT = 2;
/**
 * How long (ms) a commit gathers writes after the first: the reports of every
 * worker whose sessions acted on the same market event go in one commit, and
 * building it (in this thread) does not hold up the effects of the workers
 * still reporting.
 */
const GATHER_MS = 2;
/** Retry delays after a failed commit: 100 ms doubling up to 5 s. */
const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 5_000;

/** Writes session events, snapshots and statuses in batched commits, retrying through outages. */
export class Persister {
  readonly #store: SessionLog;
  readonly #log: Logger | undefined;
  readonly #fencing: Fencing | undefined;
  #queue: Entry[] = [];
  /** The last queued (not in flight) entry of each session: later writes merge into it. */
  #open = new Map<string, Entry>();
  /** Batches being committed. */
  readonly #inflight = new Set<Entry[]>();
  /** Commits running, including those waiting to retry (their batch is queued again). */
  #running = 0;
  /** Sessions with an entry in a batch being committed: their next entries wait for it. */
  readonly #busy = new Set<string>();
  /** The timer that starts the next commit, while one is about to start (writes of this turn still join it). */
  #scheduled: ReturnType<typeof setTimeout> | undefined;
  #outage: Outage | undefined;
  /** Sessions whose write was refused, with the error. */
  readonly #refused = new Map<string, unknown>();
  #closed = false;
  /** End the current retry delays early (on close). */
  readonly #wake = new Set<() => void>();
  #stats = { commits: 0, writes: 0, events: 0 };

  /**
   * `log` hears when an outage starts and ends, and refused writes. In a
   * cluster, `fencing` gives each session's lease token (commits check it)
   * and hears of sessions whose writes were refused because the lease moved.
   * `alerts` names the alerts each commit stores in the outbox with its events.
   */
  constructor(
    db: Db,
    options: { log?: Logger; fencing?: Fencing; alerts?: LogAlerts } = {},
  ) {
    this.#store = new SessionLog(db, { alerts: options.alerts });
    this.#log = options.log;
    this.#fencing = options.fencing;
  }

  /** Queues a write; resolves when it is committed, rejects only when it is refused. */
  write(write: SessionWrite): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("the service is stopping: write not taken"));
    const refused = this.#refused.get(write.sessionId);
    if (refused !== undefined) return Promise.reject(refused);
    this.#stats.writes++;
    return new Promise((resolve, reject) => {
      this.#append({
        sessionId: write.sessionId,
        firstSeq: write.firstSeq,
        effects: [...write.effects],
        snapshot: write.snapshot,
        status: write.status,
        waiters: [{ resolve, reject }],
      });
      this.#schedule();
    });
  }

  /** Resolves when every write queued so far has been committed or refused. */
  flush(): Promise<void> {
    const entries = this.#pending();
    return Promise.all(
      entries.map((entry) =>
        new Promise<void>((done) => entry.waiters.push({ resolve: done, reject: () => done() }))
      ),
    ).then(() => {});
  }

  /** Accepts writes of a session again after one was refused (its worker restarts from durable state). */
  readmit(sessionId: string): void {
    this.#refused.delete(sessionId);
  }

  /** The ongoing outage, if the last commit failed for a passing reason. */
  outage(): Outage | undefined {
    return this.#outage;
  }

  /** Counters for health and benchmarks. */
  stats(): {
    commits: number;
    writes: number;
    events: number;
    queued: number;
    queued_events: number;
    outage: { since: string; reason: string; retries: number } | null;
  } {
    const pending = this.#pending();
    const queuedEvents = pending.reduce((n, entry) => n + entry.effects.length, 0);
    const outage = this.#outage;
    return {
      ...this.#stats,
      queued: pending.length,
      queued_events: queuedEvents,
      outage: outage
        ? {
          since: new Date(outage.since).toISOString(),
          reason: outage.reason,
          retries: outage.retries,
        }
        : null,
    };
  }

  /**
   * Waits up to `deadlineMs` for queued writes to commit, then stops: what is
   * still queued is dropped (it was never shown; sessions restart from their
   * last durable state). Returns how many writes were dropped.
   */
  async close(deadlineMs: number): Promise<number> {
    await settledWithin(this.flush(), deadlineMs);
    this.#closed = true;
    for (const wake of this.#wake) wake();
    const dropped = this.#pending();
    const error = new Error("the service stopped before these events were committed");
    for (const entry of dropped) settle(entry, error);
    this.#queue = [];
    this.#open.clear();
    return dropped.reduce((n, entry) => n + entry.waiters.length, 0);
  }

  /** Queues `entry` after the others, merged into its session's open entry when it follows on. */
  #append(entry: Entry): void {
    const open = this.#open.get(entry.sessionId);
    if (open && open.firstSeq + open.effects.length === entry.firstSeq) {
      for (const effect of entry.effects) open.effects.push(effect);
      open.snapshot = entry.snapshot ?? open.snapshot;
      open.status = entry.status ?? open.status;
      open.waiters.push(...entry.waiters);
      return;
    }
    this.#queue.push(entry);
    this.#open.set(entry.sessionId, entry);
  }

  /** Every entry in flight or queued. */
  #pending(): Entry[] {
    return [...this.#inflight].flat().concat(this.#queue);
  }

  /** Starts commits {@link GATHER_MS} from now, so writes queued meanwhile join them. */
  #schedule(): void {
    if (this.#scheduled !== undefined) return;
    this.#scheduled = setTimeout(() => {
      this.#scheduled = undefined;
      this.#pump();
    }, GATHER_MS);
  }

  /**
   * Every write expected for now is queued (each worker has reported on the
   * newest market event): starts the commit at once instead of at the end of
   * its gather time.
   */
  gathered(): void {
    if (this.#scheduled === undefined) return;
    clearTimeout(this.#scheduled);
    this.#scheduled = undefined;
    this.#pump();
  }

  /** Starts commits of queued entries while fewer than the limit run. */
  #pump(): void {
    const limit = this.#outage ? 1 : MAX_INFLIGHT;
    while (!this.#closed && this.#running < limit) {
      const batch = this.#take();
      if (batch.length === 0) return;
      this.#running++;
      this.#inflight.add(batch);
      this.#run(batch).finally(() => {
        this.#inflight.delete(batch);
        for (const entry of batch) this.#busy.delete(entry.sessionId);
        this.#running--;
        this.#pump();
      });
    }
  }

  /** Takes the next batch off the queue: in order, at most one entry per session, none of a busy one. */
  #take(): Entry[] {
    const batch: Entry[] = [];
    const rest: Entry[] = [];
    for (const entry of this.#queue) {
      if (batch.length < MAX_BATCH && !this.#busy.has(entry.sessionId)) {
        this.#busy.add(entry.sessionId);
        if (this.#open.get(entry.sessionId) === entry) this.#open.delete(entry.sessionId);
        batch.push(entry);
      } else {
        rest.push(entry);
      }
    }
    this.#queue = rest;
    return batch;
  }

  /** Commits `batch`; puts it back and waits out a passing failure, or commits it entry by entry. */
  async #run(batch: Entry[]): Promise<void> {
    const failure = await this.#commit(batch);
    if (failure === undefined) return;
    if (isTransient(failure)) {
      this.#requeue(batch);
      await this.#retryDelay(failure);
    } else {
      await this.#commitEach(batch, failure);
    }
  }

  /** Commits `batch` in one statement; returns the error instead of throwing. */
  async #commit(batch: readonly Entry[]): Promise<unknown> {
    const refused = batch.filter((entry) => this.#refused.has(entry.sessionId));
    for (const entry of refused) settle(entry, this.#refused.get(entry.sessionId));
    const accepted = refused.length === 0
      ? batch
      : batch.filter((entry) => !this.#refused.has(entry.sessionId));
    if (accepted.length === 0) return undefined;
    let fenced: string[];
    try {
      fenced = await this.#store.commit(accepted, this.#fences(accepted));
    } catch (error) {
      return error;
    }
    for (const sessionId of fenced) {
      this.#fencing!.lost(sessionId);
      this.#refuse(sessionId, new LeaseLostError(sessionId));
    }
    if (this.#outage) {
      this.#log?.info(
        `database back after ${
          ((Date.now() - this.#outage.since) / 1000).toFixed(1)
        } s: committing queued session events`,
      );
      this.#outage = undefined;
    }
    this.#stats.commits++;
    for (const entry of accepted) {
      if (fenced.includes(entry.sessionId)) {
        settle(entry, this.#refused.get(entry.sessionId));
        continue;
      }
      this.#stats.events += entry.effects.length;
      settle(entry);
    }
    return undefined;
  }

  /** The lease token each session of `batch` writes under (none outside a cluster). */
  #fences(batch: readonly Entry[]): Map<string, number> {
    const fences = new Map<string, number>();
    if (this.#fencing) {
      for (const entry of batch) fences.set(entry.sessionId, this.#fencing.token(entry.sessionId));
    }
    return fences;
  }

  /** After a refused batch: commits each session's entry alone, so only the bad one is refused. */
  async #commitEach(batch: Entry[], batchError: unknown): Promise<void> {
    for (let i = 0; i < batch.length; i++) {
      const entry = batch[i];
      const failure = batch.length === 1 ? batchError : await this.#commit([entry]);
      if (failure === undefined) continue;
      if (isTransient(failure)) {
        this.#requeue(batch, i);
        return await this.#retryDelay(failure);
      }
      this.#refuse(entry.sessionId, failure);
      settle(entry, failure);
    }
  }

  /** Refuses every queued and future write of a session. */
  #refuse(sessionId: string, error: unknown): void {
    if (error instanceof LeaseLostError) this.#log?.warn(error.message);
    else this.#log?.error(`session ${sessionId}: events refused by the database: ${error}`);
    this.#refused.set(sessionId, error);
    this.#open.delete(sessionId);
    this.#queue = this.#queue.filter((entry) => {
      if (entry.sessionId !== sessionId) return true;
      settle(entry, error);
      return false;
    });
  }

  /**
   * Puts (the rest of) a failed batch back at the head of the queue, merging
   * writes that came in meanwhile; it is no longer in flight.
   */
  #requeue(batch: Entry[], from = 0): void {
    this.#inflight.delete(batch);
    const later = this.#queue;
    this.#queue = [];
    this.#open.clear();
    for (const entry of [...batch.slice(from), ...later]) this.#append(entry);
  }

  async #retryDelay(error: unknown): Promise<void> {
    const retries = (this.#outage?.retries ?? 0) + 1;
    const reason = unavailableReason(error) ??
      errorText(error);
    if (!this.#outage) {
      this.#log?.warn(`cannot commit session events (${reason}): keeping them queued, retrying`);
    }
    this.#outage = { since: this.#outage?.since ?? Date.now(), reason, retries };
    const delay = Math.min(FIRST_RETRY_MS * 2 ** (retries - 1), MAX_RETRY_MS);
    let wake!: () => void;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delay);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
      this.#wake.add(wake);
    });
    this.#wake.delete(wake);
  }
}

/** Resolves (no error) or rejects every waiter of `entry`. */
function settle(entry: Entry, error?: unknown): void {
  for (const waiter of entry.waiters.splice(0)) {
    if (error === undefined) waiter.resolve();
    else waiter.reject(error);
  }
}
