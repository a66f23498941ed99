/**
 * Strategy validation off the main thread: a small pool of sandboxed workers
 * (no permissions) validates documents, so no request can hold the main
 * thread (HTTP, heartbeats, persistence) while a document is checked. Even
 * small texts go to a worker: parsing the YAML of a 0.5 KB example takes
 * 0.5–1 ms, more than the main thread may spend on a request. Every wait has
 * an outcome: a document a loaded worker does not validate within the timeout
 * is refused with 503 and its worker replaced; one that waits too long for a
 * worker (queued, or while workers load) is refused with 503 as well. The
 * timeout counts a worker's time as the supervisor counts a session
 * worker's: only its share of a core on a loaded machine, and nothing while
 * the main thread was starved, so a starved validation is not taken for a
 * stuck one.
 */
import { coreTime, loadShare } from "./cpu_share.ts";
import { ServiceUnavailableError } from "./errors.ts";
import type { ValidationOutcome, ValidationRequest } from "./strategy_validation.ts";
import type { ToValidationWorker } from "./strategy_validation_worker.ts";

/** Options of {@link StrategyValidator}. */
export interface StrategyValidatorOptions {
  /** Workers at most (started when needed, kept while the validator is open). Default 1. */
  readonly workers?: number;
  /**
   * How long a loaded worker may take to validate one document, in ms of its
   * share of a core (see {@link cpuShare}). Default 10,000.
   */
  readonly timeoutMs?: number;
  /**
   * How long a document may wait for a worker (queued, or while a worker
   * loads: seconds on a busy machine), in ms. Default 60,000.
   */
  readonly waitMs?: number;
  /** Documents waiting for a worker at most; more are refused with 503. Default 64. */
  readonly maxQueued?: number;
  /** The share of a core each runnable thread gets now, in (0, 1] (default {@link loadShare}). */
  readonly cpuShare?: () => number;
}

/** How often the time of a running validation is counted, in ms at most. */
const COUNT_EVERY_MS = 250;

/** A request waiting for, or being validated by, a worker. */
interface Job {
  readonly id: number;
  readonly request: ValidationRequest;
  readonly resolve: (outcome: ValidationOutcome) => void;
  readonly reject: (error: Error) => void;
  /** The wait for a worker, then the next count of the validation's time. */
  timer: ReturnType<typeof setTimeout>;
  worker?: Worker;
  /** The validation's time so far, in ms of its share of a core. */
  used: number;
}

const WORKER_URL = new URL("./strategy_validation_worker.ts", import.meta.url);

/** Validates strategy documents in sandboxed workers. */
export class StrategyValidator {
  readonly #workers: number;
  readonly #timeoutMs: number;
  readonly #waitMs: number;
  readonly #maxQueued: number;
  readonly #cpuShare: () => number;
  /** Workers started that have not finished loading. */
  readonly #loading = new Set<Worker>();
  readonly #idle: Worker[] = [];
  readonly #running = new Map<Worker, Job>();
  readonly #queue: Job[] = [];
  #nextId = 0;
  #closed = false;

  /** A validator; workers start on the first document that needs one. */
  constructor(options: StrategyValidatorOptions = {}) {
    this.#workers = Math.max(1, options.workers ?? 1);
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#waitMs = options.waitMs ?? 60_000;
    this.#maxQueued = options.maxQueued ?? 64;
    this.#cpuShare = options.cpuShare ?? loadShare;
  }

  /** Validates a document; rejects with {@link ServiceUnavailableError} when busy, timed out or closed. */
  validate(request: ValidationRequest): Promise<ValidationOutcome> {
    if (this.#closed) {
      return Promise.reject(new ServiceUnavailableError("strategy validation is shut down"));
    }
    if (this.#queue.length >= this.#maxQueued) {
      return Promise.reject(
        new ServiceUnavailableError(
          `strategy validation is busy (${this.#queue.length} documents waiting); try again`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const id = ++this.#nextId;
      const timer = setTimeout(() => this.#waitedTooLong(job), this.#waitMs);
      const job: Job = { id, request, resolve, reject, timer, used: 0 };
      this.#queue.push(job);
      this.#pump();
    });
  }

  /** Workers alive (loading, idle or validating). */
  get workers(): number {
    return this.#loading.size + this.#idle.length + this.#running.size;
  }

  /** Stops every worker; waiting and running validations are refused. */
  close(): void {
    this.#closed = true;
    const jobs = [...this.#queue, ...this.#running.values()];
    this.#queue.length = 0;
    for (const worker of [...this.#loading, ...this.#idle, ...this.#running.keys()]) {
      worker.terminate();
    }
    this.#loading.clear();
    this.#idle.length = 0;
    this.#running.clear();
    for (const job of jobs) {
      clearTimeout(job.timer);
      job.reject(new ServiceUnavailableError("strategy validation is shut down"));
    }
  }

  /** Hands waiting jobs to idle workers, starting workers up to the pool size. */
  #pump(): void {
    while (this.#queue.length > 0) {
      if (this.#idle.length === 0 && this.workers < this.#workers) this.#start();
      const worker = this.#idle.pop();
      if (!worker) return;
      const job = this.#queue.shift()!;
      clearTimeout(job.timer);
      this.#countTime(job, Math.min(COUNT_EVERY_MS, this.#timeoutMs));
      job.worker = worker;
      this.#running.set(worker, job);
      worker.postMessage({ id: job.id, request: job.request } satisfies ToValidationWorker);
    }
  }

  #start(): void {
    const worker = new Worker(WORKER_URL, {
      type: "module",
      name: "strategy-validation",
      deno: { permissions: "none" },
    } as WorkerOptions);
    this.#loading.add(worker);
    worker.onmessage = (
      event: MessageEvent<{ ready: true } | { id: number; outcome: ValidationOutcome }>,
    ) => {
      if ("ready" in event.data) {
        this.#loading.delete(worker);
        this.#idle.push(worker);
        this.#pump();
        return;
      }
      const job = this.#running.get(worker);
      if (!job || job.id !== event.data.id) return;
      this.#running.delete(worker);
      clearTimeout(job.timer);
      this.#idle.push(worker);
      job.resolve(event.data.outcome);
      this.#pump();
    };
    worker.onerror = (event) => {
      event.preventDefault();
      this.#replace(worker, `strategy validation failed: ${event.message || "worker error"}`);
    };
  }

  /**
   * Counts a running job's time `ms` from now (its share of a core, nothing
   * when this thread was starved meanwhile); past the timeout it is refused.
   */
  #countTime(job: Job, ms: number): void {
    const from = performance.now();
    job.timer = setTimeout(() => {
      job.used += coreTime(performance.now() - from, ms, this.#cpuShare());
      if (job.used >= this.#timeoutMs) return this.#timedOut(job);
      this.#countTime(job, Math.min(COUNT_EVERY_MS, this.#timeoutMs - job.used));
    }, ms);
  }

  /** Refuses a job that a worker did not validate in time, and replaces that worker. */
  #timedOut(job: Job): void {
    if (!job.worker) return;
    this.#replace(
      job.worker,
      `strategy validation did not finish within ${this.#timeoutMs} ms; ` +
        "the document was not accepted (try again, or make it smaller)",
    );
  }

  /** Refuses a job that found no worker in time (drops it from the queue). */
  #waitedTooLong(job: Job): void {
    const at = this.#queue.indexOf(job);
    if (at < 0) return;
    this.#queue.splice(at, 1);
    job.reject(
      new ServiceUnavailableError(
        `strategy validation is busy: no worker took the document within ${this.#waitMs} ms; try again`,
      ),
    );
  }

  /** Terminates a worker, refuses its job, and lets a new worker take the queue. */
  #replace(worker: Worker, message: string): void {
    worker.terminate();
    this.#loading.delete(worker);
    const idle = this.#idle.indexOf(worker);
    if (idle >= 0) this.#idle.splice(idle, 1);
    const job = this.#running.get(worker);
    this.#running.delete(worker);
    if (job) {
      clearTimeout(job.timer);
      job.reject(new ServiceUnavailableError(message));
    }
    if (!this.#closed) this.#pump();
  }
}
