/**
 * Runs every live session in its own Web Worker and keeps it alive: restarts
 * a worker that crashed or hung (with backoff and an intensity limit), turns
 * its effects into durable events (group commit) before anyone is told about
 * them, and answers commands.
 *
 * Queue policy: commands towards a worker are bounded ({@link MAX_PENDING_COMMANDS});
 * beyond that a command is refused as busy. Market data reaches workers over the
 * bus, never through this queue; a worker too slow for it falls behind the hub's
 * retained batches and reports an unrecoverable gap instead of growing memory.
 */
import type { Candle } from "../core/types.ts";
import type { ExecutionConfig } from "../core/execution/mod.ts";
import type { Strategy } from "../core/strategy/mod.ts";
import {
  refusal,
  type SessionEffect,
  type SessionSnapshot,
  type SessionStatus,
  type SessionView,
} from "../core/session/mod.ts";
import { ConflictError, ServiceUnavailableError } from "./errors.ts";
import type { Logger } from "./log.ts";
import type { Persister } from "./persister.ts";
import type { FromWorker, SessionCommand, ToWorker } from "./worker_protocol.ts";

/** At most this many commands may wait for one worker. */
export const MAX_PENDING_COMMANDS = 16;

/** Restart policy and heartbeat timings (overridable for tests). */
export interface SupervisorTimings {
  /** More restarts than this within {@link restartWindowMs} → failed. */
  readonly maxRestarts: number;
  readonly restartWindowMs: number;
  readonly heartbeatMs: number;
  /** A worker silent for this long is considered hung. */
  readonly hangMs: number;
}

const DEFAULT_TIMINGS: SupervisorTimings = {
  maxRestarts: 5,
  restartWindowMs: 60_000,
  heartbeatMs: 1_000,
  hangMs: 5_000,
};

/** What the supervisor needs from the rest of the service. */
export interface SupervisorDeps {
  readonly persister: Persister;
  /** Warm-up candles for a session (fetched in the main thread: workers have no network). */
  history(symbol: string, strategy: Strategy): Promise<Candle[]>;
  /** The hub's bus channel namespace. */
  readonly busNamespace?: string;
  /** Current last bus sequence of a symbol: a new worker starts after it. */
  lastSeq(symbol: string): number;
  /** Serves a worker's gap recovery request. */
  recover(symbol: string, from: number, to: number): unknown;
  /** Records a status change durably. */
  saveStatus(id: string, status: SessionStatus, error?: string): Promise<void>;
  /** Tells live listeners about durable effects and fresh views. */
  publish(id: string, message: LiveMessage): void;
  readonly timings?: Partial<SupervisorTimings>;
  readonly log: Logger;
}

/** What live listeners of a session receive. */
export type LiveMessage =
  | { readonly type: "effect"; readonly seq: number; readonly effect: SessionEffect }
  | { readonly type: "view"; readonly view: SessionView; readonly status: SessionStatus }
  | { readonly type: "status"; readonly status: SessionStatus; readonly error?: string };

/** How to start (or restore) a session. */
export interface SessionSpec {
  readonly id: string;
  readonly symbol: string;
  readonly strategy: Strategy;
  readonly execution: ExecutionConfig;
  readonly snapshot?: SessionSnapshot;
  /** Last durable event sequence number (0 for a new session). */
  readonly seq: number;
}

/** The supervisor's picture of one live session. */
export interface LiveSession {
  readonly id: string;
  status: SessionStatus;
  view?: SessionView;
  lastError?: string;
  restarts: number;
  /** Sequence number of the last event handed to the persister. */
  seq: number;
  /** Sequence number of the last durable event. */
  durableSeq: number;
  bus_gaps: number;
}

type CommandDone = Extract<FromWorker, { type: "command_done" }>;

interface PendingCommand {
  readonly resolve: (message: CommandDone) => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  readonly spec: SessionSpec;
  readonly live: LiveSession;
  worker?: Worker;
  /** The last durable state: a restarted worker starts from it. */
  snapshot?: SessionSnapshot;
  lastPong: number;
  restartTimes: number[];
  nextRequest: number;
  readonly pending: Map<number, PendingCommand>;
  /** Resolves when the current worker reported ready. */
  ready?: () => void;
}

const WORKER_URL = new URL("./session_worker.ts", import.meta.url);

/** Worker options: a module worker with no permissions at all (no network, no files). */
function sandboxed(name: string): WorkerOptions {
  return { type: "module", name, deno: { permissions: "none" } } as WorkerOptions;
}

/** Supervises session workers. */
export class Supervisor {
  readonly #deps: SupervisorDeps;
  readonly #timings: SupervisorTimings;
  readonly #slots = new Map<string, Slot>();
  readonly #heartbeat: ReturnType<typeof setInterval>;
  #pingId = 0;
  #closed = false;
  /** Listeners of effects as soon as they reach the main thread (for latency measurements). */
  readonly #onArrival = new Set<
    (id: string, effects: readonly SessionEffect[], receivedAt: number) => void
  >();

  constructor(deps: SupervisorDeps) {
    this.#deps = deps;
    this.#timings = { ...DEFAULT_TIMINGS, ...deps.timings };
    this.#heartbeat = setInterval(() => this.#beat(), this.#timings.heartbeatMs);
  }

  /** Starts (or restores) a session's worker; resolves once it runs. */
  async start(spec: SessionSpec): Promise<LiveSession> {
    if (this.#slots.has(spec.id)) throw new ConflictError(`session ${spec.id} is already running`);
    const slot: Slot = {
      spec,
      live: {
        id: spec.id,
        status: "starting",
        restarts: 0,
        seq: spec.seq,
        durableSeq: spec.seq,
        bus_gaps: 0,
      },
      snapshot: spec.snapshot,
      lastPong: performance.now(),
      restartTimes: [],
      nextRequest: 1,
      pending: new Map(),
    };
    this.#slots.set(spec.id, slot);
    await this.#setStatus(slot, "starting");
    await this.#spawn(slot);
    return slot.live;
  }

  /** The live picture of a session, if it has a worker. */
  get(id: string): LiveSession | undefined {
    return this.#slots.get(id)?.live;
  }

  /** Ids of every supervised session. */
  ids(): string[] {
    return [...this.#slots.keys()];
  }

  /** Applies a user command; refuses invalid transitions with a {@link ConflictError}. */
  async command(id: string, command: SessionCommand): Promise<LiveSession> {
    const slot = this.#slots.get(id);
    if (!slot) throw new ConflictError(`session ${id} is not running`);
    const why = refusal(slot.live.status, command);
    if (why) throw new ConflictError(why);
    if (slot.pending.size >= MAX_PENDING_COMMANDS) {
      throw new ServiceUnavailableError(
        `session ${id} is busy: ${slot.pending.size} commands pending`,
      );
    }
    if (command === "stop" && (slot.live.status === "failed" || !slot.worker)) {
      await this.#finish(slot, "stopped");
      return slot.live;
    }
    if (!slot.worker) throw new ServiceUnavailableError(`session ${id} is restarting; try again`);
    if (command === "stop") await this.#setStatus(slot, "stopping");
    const done = await this.#request(slot, command);
    await this.#persist(slot, done.effects, done.snapshot, done.view);
    if (command === "stop") {
      await this.#finish(slot, "stopped");
    } else {
      await this.#setStatus(slot, command === "pause" ? "paused" : done.view.phase);
    }
    return slot.live;
  }

  /** Test hook: makes a session's worker throw, or hang. */
  inject(id: string, fault: "crash" | "hang"): void {
    this.#slots.get(id)?.worker?.postMessage({ type: "fault", fault } satisfies ToWorker);
  }

  /** Calls `fn` whenever effects reach the main thread, before they are durable. */
  onArrival(
    fn: (id: string, effects: readonly SessionEffect[], receivedAt: number) => void,
  ): () => void {
    this.#onArrival.add(fn);
    return () => this.#onArrival.delete(fn);
  }

  /** Terminates every worker without changing session statuses (they are restored at next start). */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#heartbeat);
    for (const slot of this.#slots.values()) slot.worker?.terminate();
    await this.#deps.persister.flush();
    this.#slots.clear();
  }

  async #spawn(slot: Slot): Promise<void> {
    const { spec } = slot;
    const history = await this.#deps.history(spec.symbol, spec.strategy);
    if (this.#closed || this.#slots.get(spec.id) !== slot) return;
    const worker = new Worker(WORKER_URL, sandboxed(`session-${spec.id}`));
    slot.worker = worker;
    slot.lastPong = performance.now();
    const ready = new Promise<void>((resolve) => slot.ready = resolve);
    worker.onmessage = (event: MessageEvent<FromWorker>) => this.#receive(slot, worker, event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      this.#crashed(slot, worker, event.message || "worker error");
    };
    worker.onmessageerror = () => this.#crashed(slot, worker, "unreadable message from worker");
    worker.postMessage(
      {
        type: "init",
        sessionId: spec.id,
        symbol: spec.symbol,
        strategy: spec.strategy,
        execution: spec.execution,
        snapshot: slot.snapshot,
        history,
        startAfter: { [spec.symbol]: this.#deps.lastSeq(spec.symbol) },
        busNamespace: this.#deps.busNamespace,
      } satisfies ToWorker,
    );
    await ready;
  }

  #receive(slot: Slot, worker: Worker, message: FromWorker): void {
    if (slot.worker !== worker) return;
    slot.lastPong = performance.now();
    switch (message.type) {
      case "ready": {
        slot.ready?.();
        if (slot.snapshot?.paused) this.#setStatus(slot, "paused");
        return;
      }
      case "effects": {
        for (const fn of this.#onArrival) fn(slot.spec.id, message.effects, message.receivedAt);
        this.#persist(slot, message.effects, message.snapshot, message.view).catch((error) =>
          this.#crashed(slot, worker, `persisting events failed: ${error}`)
        );
        return;
      }
      case "view":
        // A view may already include effects still being written: show it only when none are.
        if (slot.live.seq > slot.live.durableSeq) return;
        slot.live.view = message.view;
        this.#followPhase(slot, message.view);
        this.#deps.publish(slot.spec.id, {
          type: "view",
          view: message.view,
          status: slot.live.status,
        });
        return;
      case "command_done":
        slot.pending.get(message.requestId)?.resolve(message);
        slot.pending.delete(message.requestId);
        return;
      case "pong":
        return;
      case "recover": {
        const batches = this.#deps.recover(message.symbol, message.from, message.to);
        worker.postMessage({ type: "recovered", symbol: message.symbol, batches } as ToWorker);
        return;
      }
      case "bus_gap":
        slot.live.bus_gaps++;
        return;
    }
  }

  /** Moves between warming_up and running as the worker reports progress. */
  #followPhase(slot: Slot, view: SessionView): void {
    const status = slot.live.status;
    if (status !== "starting" && status !== "warming_up" && status !== "running") return;
    const next = view.phase;
    if (next !== status) this.#setStatus(slot, next);
  }

  /**
   * Numbers effects, queues them with the snapshot, and only once they are
   * durable makes them visible: the session's view, then live listeners.
   */
  async #persist(
    slot: Slot,
    effects: readonly SessionEffect[],
    snapshot: SessionSnapshot,
    view: SessionView,
  ): Promise<void> {
    const firstSeq = slot.live.seq + 1;
    slot.live.seq += effects.length;
    await this.#deps.persister.write({ sessionId: slot.spec.id, firstSeq, effects, snapshot });
    slot.snapshot = snapshot;
    slot.live.durableSeq = Math.max(slot.live.durableSeq, firstSeq + effects.length - 1);
    slot.live.view = view;
    this.#followPhase(slot, view);
    effects.forEach((effect, i) =>
      this.#deps.publish(slot.spec.id, { type: "effect", seq: firstSeq + i, effect })
    );
    if (slot.live.view) {
      this.#deps.publish(slot.spec.id, {
        type: "view",
        view: slot.live.view,
        status: slot.live.status,
      });
    }
  }

  #request(slot: Slot, command: SessionCommand): Promise<CommandDone> {
    const requestId = slot.nextRequest++;
    return new Promise<CommandDone>((resolve, reject) => {
      slot.pending.set(requestId, { resolve, reject });
      slot.worker?.postMessage({ type: "command", command, requestId } satisfies ToWorker);
    });
  }

  #beat(): void {
    const now = performance.now();
    for (const slot of this.#slots.values()) {
      if (!slot.worker) continue;
      if (now - slot.lastPong > this.#timings.hangMs) {
        this.#crashed(
          slot,
          slot.worker,
          `worker hung: no heartbeat for ${Math.round(now - slot.lastPong)} ms`,
        );
        continue;
      }
      slot.worker.postMessage({ type: "ping", id: ++this.#pingId } satisfies ToWorker);
    }
  }

  /** Restarts a crashed or hung worker from its last durable state, or gives up. */
  async #crashed(slot: Slot, worker: Worker, reason: string): Promise<void> {
    if (slot.worker !== worker || this.#closed) return;
    worker.terminate();
    slot.worker = undefined;
    slot.live.lastError = reason;
    for (const pending of slot.pending.values()) {
      pending.reject(
        new ServiceUnavailableError(`session worker restarted (${reason}); try again`),
      );
    }
    slot.pending.clear();
    const now = performance.now();
    slot.restartTimes = slot.restartTimes.filter((t) => now - t < this.#timings.restartWindowMs);
    slot.restartTimes.push(now);
    this.#deps.log.warn(`session ${slot.spec.id}: worker stopped (${reason})`);
    if (slot.restartTimes.length > this.#timings.maxRestarts) {
      await this.#deps.persister.flush();
      await this.#setStatus(
        slot,
        "failed",
        `${slot.restartTimes.length} restarts within ${
          this.#timings.restartWindowMs / 1000
        } s; last error: ${reason}`,
      );
      return;
    }
    slot.live.restarts++;
    await this.#setStatus(slot, slot.snapshot?.paused ? "paused" : "starting");
    const delay = Math.min(100 * 2 ** (slot.restartTimes.length - 1), 5_000);
    await new Promise((resolve) => setTimeout(resolve, delay));
    // Effects already queued become durable first: the restart starts from them.
    await this.#deps.persister.flush();
    if (this.#closed || this.#slots.get(slot.spec.id) !== slot) return;
    await this.#spawn(slot);
  }

  async #finish(slot: Slot, status: "stopped"): Promise<void> {
    slot.worker?.terminate();
    slot.worker = undefined;
    await this.#deps.persister.flush();
    await this.#setStatus(slot, status);
    this.#slots.delete(slot.spec.id);
  }

  async #setStatus(slot: Slot, status: SessionStatus, error?: string): Promise<void> {
    if (slot.live.status === status && !error && status !== "starting") return;
    slot.live.status = status;
    if (error) slot.live.lastError = error;
    await this.#deps.saveStatus(slot.spec.id, status, error);
    this.#deps.publish(slot.spec.id, { type: "status", status, ...(error ? { error } : {}) });
  }
}
