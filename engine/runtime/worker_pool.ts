/**
 * The session workers of a supervisor, each hosting up to `capacity`
 * sessions (`SESSIONS_PER_WORKER`; 1 = a worker per session). Sessions are
 * first spread over `spread` workers (by default {@link spreadFor} the
 * cores: the sessions that fill on one trade work in parallel), one each
 * until that many run; then a session joins the least loaded worker with
 * room, else a new one. A worker left with no session is terminated. Hang
 * detection is per worker: its sessions share one thread and one progress
 * counter.
 */
import type { ToWorker } from "./worker_protocol.ts";

/**
 * Workers sessions are spread over on a machine of `cores` cores: one a core
 * but one, which the main thread keeps (it takes the workers' reports,
 * commits them and feeds the market bus; when it must wait for a core,
 * every fill waits with it). On two cores or fewer, one a core: a single
 * worker would step every session of a trade alone while the other core
 * idles (the main thread works on the reports after the workers, not
 * beside them): the fills of 100 sessions on one trade reach the main thread
 * in about two thirds of the time (median) with two workers as with one.
 */
export function spreadFor(cores: number): number {
  return Math.max(1, cores <= 2 ? cores : cores - 1);
}

/** One worker and what the supervisor knows of it. */
export interface PooledWorker<S> {
  readonly worker: Worker;
  /** The sessions it hosts, by id. */
  readonly sessions: Map<string, S>;
  /**
   * Per session id, `drop`s sent and not yet answered: until then whatever
   * the worker still says about that session is from the host that left.
   */
  readonly draining: Map<string, number>;
  /** Shared memory, bumped by the worker for every message and market batch of any of its sessions. */
  readonly progress: Int32Array;
  lastProgress: number;
  /**
   * Shared memory, bumped by the worker whenever it starts gathering effects
   * to send (an `effects` and a `states` message follow).
   */
  readonly reports: Int32Array;
  /** `states` messages taken from the worker: as many as {@link reports} once none is on its way. */
  statesReceived: number;
  /** Shared memory: `effects` messages taken from the worker (the states after them wait for it). */
  readonly effectsTaken: Int32Array;
  /** The worker said something (it has loaded): hang detection applies from then on, the start grace before. */
  ready: boolean;
  /** A message arrived since the last heartbeat. */
  heard: boolean;
  pingOutstanding: boolean;
  /**
   * Unstarved ms (weighted by the CPU share) since the worker was created
   * (start grace) or since its last progress with a ping waiting.
   */
  quietMs: number;
  /** Terminated: nothing it says is taken any more. */
  dead: boolean;
}

/** Options of {@link WorkerPool}. */
export interface WorkerPoolOptions<S> {
  /** Sessions one worker hosts at most. */
  readonly capacity: number;
  /** Workers started before any takes a second session (default 1). */
  readonly spread?: number;
  /** Makes a new worker for session `first` (and those that later join it). */
  create(first: string): Worker;
  /** Hooks a new worker's handlers up. */
  wire(pooled: PooledWorker<S>): void;
}

/** Workers hosting up to `capacity` sessions each. */
export class WorkerPool<S> {
  readonly #options: WorkerPoolOptions<S>;
  readonly #workers: PooledWorker<S>[] = [];

  constructor(options: WorkerPoolOptions<S>) {
    const { capacity, spread = 1 } = options;
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`sessions per worker must be a positive integer, got ${capacity}`);
    }
    if (!Number.isInteger(spread) || spread < 1) {
      throw new RangeError(`workers to spread over must be a positive integer, got ${spread}`);
    }
    this.#options = options;
  }

  /** The live workers. */
  workers(): readonly PooledWorker<S>[] {
    return this.#workers;
  }

  /**
   * Adds session `id` to a new worker while fewer than `spread` run, else to
   * the least loaded worker with room (a new one when none has).
   */
  place(id: string, session: S): PooledWorker<S> {
    let pooled = this.#workers.length < (this.#options.spread ?? 1) ? undefined : this.#roomiest();
    if (!pooled) {
      pooled = {
        worker: this.#options.create(id),
        sessions: new Map<string, S>(),
        draining: new Map<string, number>(),
        progress: new Int32Array(new SharedArrayBuffer(4)),
        lastProgress: 0,
        reports: new Int32Array(new SharedArrayBuffer(4)),
        statesReceived: 0,
        effectsTaken: new Int32Array(new SharedArrayBuffer(4)),
        ready: false,
        heard: false,
        pingOutstanding: false,
        quietMs: 0,
        dead: false,
      };
      this.#options.wire(pooled);
      this.#workers.push(pooled);
    }
    pooled.sessions.set(id, session);
    return pooled;
  }

  /** The worker with the fewest sessions among those with room (the oldest of equals). */
  #roomiest(): PooledWorker<S> | undefined {
    let best: PooledWorker<S> | undefined;
    for (const w of this.#workers) {
      if (
        w.sessions.size < this.#options.capacity &&
        w.sessions.size < (best?.sessions.size ?? Infinity)
      ) {
        best = w;
      }
    }
    return best;
  }

  /**
   * Takes session `id` out of its worker: the worker is told to drop it, or
   * terminated when it hosts no other session.
   */
  remove(pooled: PooledWorker<S>, id: string): void {
    if (!pooled.sessions.delete(id) || pooled.dead) return;
    if (pooled.sessions.size === 0) {
      this.kill(pooled).terminate();
      return;
    }
    pooled.draining.set(id, (pooled.draining.get(id) ?? 0) + 1);
    pooled.worker.postMessage({ type: "drop", sessionId: id } satisfies ToWorker);
  }

  /** Notes that the worker answered one `drop` of session `id`. */
  dropped(pooled: PooledWorker<S>, id: string): void {
    const left = (pooled.draining.get(id) ?? 0) - 1;
    if (left > 0) pooled.draining.set(id, left);
    else pooled.draining.delete(id);
  }

  /**
   * Forgets a worker (it is dead from now on: its handlers are unhooked) and
   * returns it, for the caller to terminate; its sessions stay listed.
   */
  kill(pooled: PooledWorker<S>): Worker {
    pooled.dead = true;
    const worker = pooled.worker;
    worker.onmessage = null;
    worker.onerror = null;
    worker.onmessageerror = null;
    const i = this.#workers.indexOf(pooled);
    if (i >= 0) this.#workers.splice(i, 1);
    return worker;
  }
}
