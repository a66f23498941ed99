/**
 * Runs every live session in a Web Worker (its own, or one shared with up to
 * `sessionsPerWorker` − 1 others, see {@link WorkerPool}) and keeps it alive:
 * restarts a session that crashed, and every session of a worker that hung
 * or died (with backoff and an intensity limit), turns
 * its effects into durable events (group commit) before anyone is told about
 * them, and answers commands.
 *
 * Hang detection cannot mistake starvation for a hang. Each worker counts its
 * progress in shared memory (every message and market batch it handles). A
 * worker is hung only when a ping waits unanswered and its counter has not
 * moved for {@link SupervisorTimings.hangMs}, counting only heartbeat
 * intervals in which the main thread itself kept time (its own event-loop lag
 * under {@link SupervisorTimings.starvedLagMs}), and each only for the share
 * of a core a thread gets while the cores are oversubscribed (from the load
 * average: at load 8 on 2 cores a quarter), so workers starved of CPU by
 * other work are given time in proportion. A worker that has not yet
 * reported ready is judged by a separate, longer start grace instead (the
 * first spawn of the worker module may compile it for seconds). Every restart
 * records its cause on the session and in the log.
 *
 * Every wait for a worker has an outcome: `start` resolves when the worker is
 * ready and rejects when the session fails or the start takes longer than
 * {@link SupervisorTimings.startTimeoutMs} (the session then keeps starting).
 *
 * Queue policy: commands towards a worker are bounded ({@link MAX_PENDING_COMMANDS});
 * beyond that a command is refused as busy. Market data reaches workers over the
 * bus, never through this queue; a worker too slow for it falls behind the hub's
 * retained batches and reports an unrecoverable gap instead of growing memory.
 * While the database is unavailable, effects waiting for it are bounded per
 * session ({@link SupervisorTimings.maxWaitingEvents}): past that, the
 * session's worker is suspended and starts again from its durable state once
 * they are committed. (A slow database still commits: its backlog drains.)
 */
import type { LiveMessage } from "../../contract/mod.ts";
import type { Candle, MarketEvent, Trade } from "../core/types.ts";
import type { ExecutionConfig } from "../core/execution/mod.ts";
import type { Strategy } from "../core/strategy/mod.ts";
import { errorText } from "../core/error_text.ts";
import {
  type SessionEffect,
  type SessionEvent,
  type SessionSnapshot,
  type SessionStatus,
  type SessionView,
  type StatusChange,
  transition,
} from "../core/session/mod.ts";
import { settledWithin } from "./deadline.ts";
import { ConflictError, ServiceUnavailableError } from "./errors.ts";
import type { Logger } from "./log.ts";
import type { Persister } from "./persister.ts";
import { type ResumePoint, resumePointOf } from "./resume_point.ts";
import { replayParts } from "./replay_parts.ts";
import type { RiskLimits } from "../core/risk/mod.ts";
import { type PooledWorker, spreadFor, WorkerPool } from "./worker_pool.ts";
import { coreTime, loadShare, STARVED_LAG_MS } from "./cpu_share.ts";
import type {
  ActionResult,
  FromWorker,
  SessionAction,
  SessionCommand,
  SessionEffects,
  SessionState,
  ToWorker,
} from "./worker_protocol.ts";

/** At most this many commands may wait for one worker. */
export const MAX_PENDING_COMMANDS = 16;

/** Workers terminated per event-loop turn on close. */
const TERMINATE_BATCH = 10;

/** How long a command waits for its effects to become durable before answering 503. */
const COMMAND_DURABLE_MS = 10_000;

/** Live listeners hear a session's lag when it moved by at least this much (ms), or caught up. */
const LAG_STEP_MS = 100;

/** Restart policy, heartbeat and hang-detection timings, and the waiting-events bound (overridable for tests). */
export interface SupervisorTimings {
  /** More restarts than this within {@link restartWindowMs} → failed. */
  readonly maxRestarts: number;
  readonly restartWindowMs: number;
  readonly heartbeatMs: number;
  /** A ready worker with a ping waiting and no progress for this long is hung. */
  readonly hangMs: number;
  /** A new worker has this long to report ready before it is restarted. */
  readonly startGraceMs: number;
  /** `start` gives up waiting for ready after this long (the session keeps starting). */
  readonly startTimeoutMs: number;
  /** A heartbeat later than this (main thread starved) does not count towards a hang. */
  readonly starvedLagMs: number;
  /**
   * Events of one session that may wait for an unavailable database before
   * its worker is suspended (about 300 bytes each in memory).
   */
  readonly maxWaitingEvents: number;
}

const DEFAULT_TIMINGS: SupervisorTimings = {
  maxRestarts: 5,
  restartWindowMs: 60_000,
  heartbeatMs: 1_000,
  hangMs: 5_000,
  startGraceMs: 60_000,
  startTimeoutMs: 60_000,
  starvedLagMs: STARVED_LAG_MS,
  maxWaitingEvents: 10_000,
};

/** What the supervisor needs from the rest of the service. */
export interface SupervisorDeps {
  readonly persister: Persister;
  /**
   * Warm-up candles for a session (fetched in the main thread: workers have
   * no network), closed before `until` (exchange ms; default now).
   */
  history(symbol: string, strategy: Strategy, until?: number): Promise<Candle[]>;
  /**
   * In a cluster: what a session restored from a durable state missed since
   * the events that state includes (read from the market stream), where its
   * bus starts after them, and the symbols whose missed events are gone.
   */
  catchUp?(spec: SessionSpec, point: ResumePoint): Promise<CatchUp>;
  /** The shared ring of a symbol's bus batches. */
  ring(symbol: string): SharedArrayBuffer;
  /** Current last bus sequence of a symbol: a new worker starts after it. */
  lastSeq(symbol: string): number;
  /** How far (ms) a subscriber that handled the symbol's bus batches up to `handledSeq` is behind. */
  lag(symbol: string, handledSeq: number): number;
  /** Serves a worker's gap recovery request. */
  recover(symbol: string, from: number, to: number): unknown;
  /** Tells live listeners about durable effects and fresh views. */
  publish(id: string, message: LiveMessage): void;
  readonly timings?: Partial<SupervisorTimings>;
  /** Sessions one worker hosts at most (default 1: a worker per session). */
  readonly sessionsPerWorker?: number;
  /** Workers sessions are spread over before any hosts a second (default {@link spreadFor} the cores). */
  readonly spreadWorkers?: number;
  /** The account-wide risk limits and kill switch now (read each time a worker starts). */
  accountRisk?(): AccountRiskNow;
  /** The share of a core each runnable thread gets now, in (0, 1] (default {@link loadShare}). */
  cpuShare?(): number;
  readonly log: Logger;
}

/** What a restored session missed and where it goes on (see {@link SupervisorDeps.catchUp}). */
export interface CatchUp {
  /** Per symbol, the events it missed, in the order they were published. */
  readonly replay: Record<string, MarketEvent[]>;
  /** Trades of the forming candles its state already includes (they rebuild those candles). */
  readonly preroll: Trade[];
  /** Per symbol, warm-up candles end before this exchange ms (where `preroll` begins). */
  readonly until: Record<string, number>;
  /** Per symbol, the bus batch right before the first event not in `replay`. */
  readonly startAfter: Record<string, number>;
  /** Symbols whose missed events the stream no longer holds (counted as bus gaps; they go on live). */
  readonly gaps: string[];
}

/** The account-wide risk a worker starts under. */
export interface AccountRiskNow {
  readonly limits: RiskLimits;
  /** The kill switch is on: the session starts halted. */
  readonly halted: boolean;
}

/** How to start (or restore) a session. */
export interface SessionSpec {
  readonly id: string;
  readonly symbol: string;
  /** A portfolio session's symbols (the first is `symbol`); absent for one symbol. */
  readonly symbols?: readonly string[];
  readonly strategy: Strategy;
  readonly execution: ExecutionConfig;
  readonly snapshot?: SessionSnapshot;
  /** Last durable event sequence number (0 for a new session). */
  readonly seq: number;
  /** Restarts so far (restored sessions keep counting). */
  readonly restarts?: number;
  /** The session's own risk limits (overriding its strategy's). */
  readonly risk?: RiskLimits;
}

/** The supervisor's picture of one live session. */
export interface LiveSession {
  readonly id: string;
  status: SessionStatus;
  view?: SessionView;
  lastError?: string;
  /** Worker restarts of this session. */
  restarts: number;
  /** Why the worker last restarted. */
  restartReason?: string;
  /** Sequence number of the last event handed to the persister. */
  seq: number;
  /** Sequence number of the last durable event. */
  durableSeq: number;
  /** Runs of bus batches its workers reported lost (no longer retained by the hub). */
  bus_gaps: number;
}

type CommandDone = Extract<FromWorker, { type: "command_done" }>;

/** A message of one session (anything a worker sends but a pong, or the effects, states or views of its sessions). */
type SessionReport = Exclude<FromWorker, { type: "pong" | "effects" | "states" | "views" }>;

/** A worker's effects with the state right after them (and the view after them, for commands). */
type Snapshotted = Pick<CommandDone, "effects" | "snapshot" | "busSeq"> & {
  readonly view?: SessionView;
};

interface PendingCommand {
  readonly resolve: (message: CommandDone) => void;
  readonly reject: (error: Error) => void;
}

/** A promise with its settle functions. */
interface Outcome {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  settled: boolean;
}

function outcome(): Outcome {
  let resolve!: () => void, reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => [resolve, reject] = [res, rej]);
  promise.catch(() => {}); // a start nobody waits for any more must not surface as unhandled
  const result: Outcome = {
    promise,
    resolve: () => (result.settled = true, resolve()),
    reject: (error) => (result.settled = true, reject(error)),
    settled: false,
  };
  return result;
}

interface Slot {
  readonly spec: SessionSpec;
  readonly live: LiveSession;
  /** The worker hosting the session, while it has one. */
  host?: PooledWorker<Slot>;
  /** The last durable state (JSON text): a restarted worker starts from it. */
  snapshot?: string;
  /** Effects the worker sent whose state is still to come (they are persisted with it). */
  stateless?: SessionEffect[];
  /**
   * The seq of the last bus batch {@link snapshot} includes: a restarted
   * worker resumes after it and recovers the batches since from the hub
   * (undefined until the first spawn, which starts after the newest batch).
   */
  busSeq?: Record<string, number>;
  /** Settles when the session first runs after a (re)start, or fails. */
  started: Outcome;
  /** True once the session reported ready in its current worker. */
  ready: boolean;
  /** Per symbol (in the session's order), the seq of the last bus batch the worker handled (shared memory). */
  handled: Int32Array;
  /**
   * The newest view from the worker not yet shown, with the seq of the last
   * effect it includes: shown once that is durable.
   */
  pendingView?: { readonly view: SessionView; readonly seq: number };
  /** The lag last told to live listeners (ms). */
  shownLag: number;
  restartTimes: number[];
  /** True while a restart is under way (between stopping the worker and the next spawn). */
  restarting: boolean;
  nextRequest: number;
  readonly pending: Map<number, PendingCommand>;
}

const WORKER_URL = new URL("./session_worker.ts", import.meta.url);

/** Worker options: a module worker with no permissions at all (no network, no files). */
function sandboxed(name: string): WorkerOptions {
  return { type: "module", name, deno: { permissions: "none" } } as WorkerOptions;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Supervises session workers. */
export class Supervisor {
  readonly #deps: SupervisorDeps;
  readonly #timings: SupervisorTimings;
  readonly #slots = new Map<string, Slot>();
  readonly #pool: WorkerPool<Slot>;
  readonly #heartbeat: ReturnType<typeof setInterval>;
  #lastBeat = performance.now();
  #loopLag = 0;
  #pingId = 0;
  #closed = false;
  /** Listeners of effects as soon as they reach the main thread (for latency measurements). */
  readonly #onArrival = new Set<
    (id: string, effects: readonly SessionEffect[], receivedAt: number) => void
  >();

  constructor(deps: SupervisorDeps) {
    this.#deps = deps;
    this.#timings = { ...DEFAULT_TIMINGS, ...deps.timings };
    this.#pool = new WorkerPool({
      capacity: deps.sessionsPerWorker ?? 1,
      spread: deps.spreadWorkers ?? spreadFor(navigator.hardwareConcurrency || 1),
      create: (first) => new Worker(WORKER_URL, sandboxed(`session-${first}`)),
      wire: (pooled) => this.#wire(pooled),
    });
    this.#heartbeat = setInterval(() => this.#beat(), this.#timings.heartbeatMs);
  }

  /**
   * Starts (or restores) a session's worker; resolves once it runs. Rejects
   * with a {@link ServiceUnavailableError} when the session fails to start or
   * is not ready within the start timeout (it then keeps starting).
   */
  async start(spec: SessionSpec): Promise<LiveSession> {
    if (this.#slots.has(spec.id)) throw new ConflictError(`session ${spec.id} is already running`);
    const slot: Slot = {
      spec,
      live: {
        id: spec.id,
        status: "starting",
        restarts: spec.restarts ?? 0,
        seq: spec.seq,
        durableSeq: spec.seq,
        bus_gaps: 0,
      },
      snapshot: spec.snapshot && JSON.stringify(spec.snapshot),
      started: outcome(),
      ready: false,
      handled: new Int32Array(new SharedArrayBuffer(4 * symbolsOf(spec).length)),
      shownLag: 0,
      restartTimes: [],
      restarting: false,
      nextRequest: 1,
      pending: new Map(),
    };
    this.#slots.set(spec.id, slot);
    this.#spawn(slot);
    await this.#untilStarted(slot);
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

  /** How many supervised sessions run or are starting (failed ones hold no worker). */
  active(): number {
    let n = 0;
    for (const slot of this.#slots.values()) if (slot.live.status !== "failed") n++;
    return n;
  }

  /** How many workers run the sessions (fewer than the sessions when `sessionsPerWorker` > 1). */
  workers(): number {
    return this.#pool.workers().length;
  }

  /** How many sessions each worker hosts, in the order the workers started. */
  workerLoads(): number[] {
    return this.#pool.workers().map((pooled) => pooled.sessions.size);
  }

  /** The main thread's event-loop lag at the last heartbeat (ms late). */
  loopLag(): number {
    return this.#loopLag;
  }

  /**
   * How far (ms) a session's worker is behind the newest market event sent to
   * it: the age of the oldest one it has not yet handled, 0 when up to date.
   * Undefined when the session is not supervised or has failed.
   */
  lagMs(id: string): number | undefined {
    const slot = this.#slots.get(id);
    if (!slot || slot.live.status === "failed") return undefined;
    return Math.max(
      ...symbolsOf(slot.spec).map((symbol, i) =>
        this.#deps.lag(symbol, Atomics.load(slot.handled, i))
      ),
    );
  }

  /** Applies a user command; refuses invalid transitions with a {@link ConflictError}. */
  async command(id: string, command: SessionCommand): Promise<LiveSession> {
    const slot = this.#slots.get(id);
    if (!slot) throw new ConflictError(`session ${id} is not running`);
    const allowed = transition(slot.live.status, command);
    if (!allowed.ok) throw new ConflictError(allowed.reason);
    if (slot.pending.size >= MAX_PENDING_COMMANDS) {
      throw new ServiceUnavailableError(
        `session ${id} is busy: ${slot.pending.size} commands pending`,
      );
    }
    const outage = this.#deps.persister.outage();
    if (outage) {
      throw new ServiceUnavailableError(
        `database unavailable (${outage.reason}): cannot ${command} session ${id} now; try again`,
      );
    }
    if (command === "stop" && (slot.live.status === "failed" || !slot.host)) {
      await this.#finish(slot);
      return slot.live;
    }
    if (command === "resume" && slot.live.status === "failed") return await this.#revive(slot);
    if (!slot.host || !slot.ready) {
      throw new ServiceUnavailableError(`session ${id} is restarting; try again`);
    }
    if (command === "stop") this.#apply(slot, ["stop"]);
    const done = await this.#request(slot, command);
    await this.#durable(slot, this.#persist(slot, done), command);
    if (command === "stop") await this.#finish(slot);
    else if (command === "pause") this.#apply(slot, ["pause"]);
    else this.#apply(slot, ["resume", phaseEvent(done.view)]);
    return slot.live;
  }

  /**
   * Applies a trader's action (force exit, manual order, cancel) to a running,
   * warming or paused session and waits until its effects are durable; 409 in
   * any other status.
   */
  async act(id: string, action: SessionAction): Promise<ActionResult> {
    const slot = this.#slots.get(id);
    const status = slot?.live.status;
    if (!slot || !(status === "running" || status === "warming_up" || status === "paused")) {
      throw new ConflictError(`cannot ${action.kind} a session that is ${status ?? "not running"}`);
    }
    if (!slot.host || !slot.ready) {
      throw new ServiceUnavailableError(`session ${id} is restarting; try again`);
    }
    const done = await this.#send(
      slot,
      (requestId) => ({ type: "act", sessionId: id, action, requestId }),
    );
    await this.#durable(slot, this.#persist(slot, done), action.kind);
    return done.result ?? {};
  }

  /**
   * Test hook: makes a session throw, or its worker (with every session it
   * hosts) hang or stay busy (progressing) for a while.
   */
  inject(id: string, fault: "crash" | "hang" | { busyMs: number }): void {
    this.#slots.get(id)?.host?.worker.postMessage(
      { type: "fault", sessionId: id, fault } satisfies ToWorker,
    );
  }

  /** Calls `fn` whenever effects reach the main thread, before they are durable. */
  onArrival(
    fn: (id: string, effects: readonly SessionEffect[], receivedAt: number) => void,
  ): () => void {
    this.#onArrival.add(fn);
    return () => this.#onArrival.delete(fn);
  }

  /**
   * Stops every worker without changing session statuses (they are restored
   * at next start): from the moment this returns, nothing a worker sends is
   * taken any more; the workers themselves are terminated a few at a time
   * (terminating hundreds at once stalls this thread for seconds), and the
   * promise resolves when all are. Effects already handed to the persister
   * stay queued there.
   */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#heartbeat);
    const workers = [...this.#pool.workers()].map((pooled) => this.#pool.kill(pooled));
    for (const slot of this.#slots.values()) {
      this.#detach(slot);
      slot.started.reject(new ServiceUnavailableError("the service is stopping"));
      this.#rejectPending(slot, "the service is stopping");
    }
    this.#slots.clear();
    for (let i = 0; i < workers.length; i += TERMINATE_BATCH) {
      for (const worker of workers.slice(i, i + TERMINATE_BATCH)) worker.terminate();
      await delay(0);
    }
  }

  /**
   * Lets go of a session without writing anything more for it: its worker is
   * terminated and it is forgotten (another node of the cluster runs it now).
   */
  release(id: string): void {
    const slot = this.#slots.get(id);
    if (!slot) return;
    this.#slots.delete(id);
    this.#stopWorker(slot);
    slot.started.reject(new ServiceUnavailableError(`session ${id} moved to another node`));
    this.#rejectPending(slot, `session ${id} moved to another node; try again`);
  }

  /** Creates the worker of `slot` and sends it the session; failures become restarts. */
  #spawn(slot: Slot): void {
    const { spec } = slot;
    slot.restarting = false;
    slot.ready = false;
    // The new worker starts from the durable state: whatever was not committed is gone with the old one.
    slot.live.seq = slot.live.durableSeq;
    this.#deps.persister.readmit(spec.id);
    this.#prepare(slot).then(({ history, caught }) => {
      if (this.#closed || this.#slots.get(spec.id) !== slot || slot.host) return;
      // A restarted worker resumes after the batches its durable state includes (never skips).
      const startAfter = slot.busSeq ??= caught?.startAfter ?? this.#newest(spec);
      symbolsOf(spec).forEach((symbol, i) => Atomics.store(slot.handled, i, startAfter[symbol]));
      const host = this.#pool.place(spec.id, slot);
      slot.host = host;
      // What it missed goes in parts, applied in order before any bus batch.
      const [replay, ...more] = caught ? replayParts(caught.replay) : [];
      host.worker.postMessage(
        {
          type: "init",
          sessionId: spec.id,
          symbol: spec.symbol,
          ...(spec.symbols ? { symbols: spec.symbols } : {}),
          strategy: spec.strategy,
          execution: spec.execution,
          snapshot: slot.snapshot,
          risk: {
            session: spec.risk,
            account: this.#deps.accountRisk?.().limits,
            halted: this.#deps.accountRisk?.().halted,
          },
          history,
          ...(caught ? { preroll: caught.preroll, replay: replay ?? {} } : {}),
          ...(more.length > 0 ? { replayMore: true } : {}),
          startAfter,
          rings: Object.fromEntries(symbolsOf(spec).map((s) => [s, this.#deps.ring(s)])),
          progress: host.progress,
          reports: host.reports,
          taken: host.effectsTaken,
          handled: slot.handled,
          // A worker of its own for every session would multiply the warm-up by the sessions.
          warmUp: (this.#deps.sessionsPerWorker ?? 1) > 1,
        } satisfies ToWorker,
      );
      more.forEach((part, i) =>
        host.worker.postMessage(
          {
            type: "replay",
            sessionId: spec.id,
            replay: part,
            more: i < more.length - 1,
          } satisfies ToWorker,
        )
      );
    }).catch((error) =>
      this.#restart(slot, undefined, `could not start the worker: ${errorText(error)}`)
    );
  }

  /**
   * Warm-up candles for a new worker and, for the first worker of a session
   * restored from a durable state in a cluster, what it missed since then.
   */
  async #prepare(slot: Slot): Promise<{ history: Candle[]; caught?: CatchUp }> {
    const { spec } = slot;
    const point = slot.busSeq === undefined && this.#deps.catchUp
      ? resumePointOf(spec.snapshot)
      : undefined;
    const caught = point && await this.#deps.catchUp!(spec, point).catch((error): CatchUp => {
      this.#deps.log.warn(
        `session ${spec.id}: catching up from the market stream failed: ${error}`,
      );
      const symbols = [...symbolsOf(spec)];
      return { replay: {}, preroll: [], until: {}, startAfter: this.#newest(spec), gaps: symbols };
    });
    if (caught && caught.gaps.length > 0) {
      slot.live.bus_gaps += caught.gaps.length;
      this.#deps.log.warn(
        `session ${spec.id}: market events since its last durable state are gone (${
          caught.gaps.join(", ")
        }); it goes on live`,
      );
    }
    const symbols = symbolsOf(spec);
    const lists = await Promise.all(
      symbols.map((s) => this.#deps.history(s, spec.strategy, caught?.until[s])),
    );
    return { history: lists.flat(), caught };
  }

  /** The newest bus seq of each symbol of a session: a new session starts after them. */
  #newest(spec: SessionSpec): Record<string, number> {
    return Object.fromEntries(symbolsOf(spec).map((s) => [s, this.#deps.lastSeq(s)]));
  }

  /** Waits for the session to run, fail, or for the start timeout. */
  async #untilStarted(slot: Slot): Promise<void> {
    const timeoutMs = this.#timings.startTimeoutMs;
    if (!await settledWithin(slot.started.promise, timeoutMs)) {
      throw new ServiceUnavailableError(
        `session ${slot.spec.id} did not start within ${timeoutMs / 1000} s (${
          slot.live.restartReason ?? "its worker is still loading"
        }); it keeps starting in the background`,
      );
    }
    await slot.started.promise; // rethrows why it failed
  }

  /** Hooks up a new worker: its messages go to the sessions they name; its death restarts them all. */
  #wire(pooled: PooledWorker<Slot>): void {
    const { worker } = pooled;
    worker.onmessage = (event: MessageEvent<FromWorker>) => this.#route(pooled, event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      this.#restartWorker(pooled, event.message || "worker error");
    };
    worker.onmessageerror = () => this.#restartWorker(pooled, "unreadable message from worker");
  }

  /** Passes a worker's message to the session it names (unless that session has left the worker). */
  #route(pooled: PooledWorker<Slot>, message: FromWorker): void {
    pooled.heard = true;
    if (!pooled.ready) {
      pooled.ready = true;
      pooled.quietMs = 0;
    }
    if (message.type === "pong") {
      pooled.pingOutstanding = false;
      return;
    }
    if (message.type === "effects") {
      this.#receiveEffects(pooled, message.reports);
      // The worker serialises the states after them only now: it left the core to this thread.
      Atomics.add(pooled.effectsTaken, 0, 1);
      Atomics.notify(pooled.effectsTaken, 0);
      return;
    }
    if (message.type === "states") {
      pooled.statesReceived++;
      return this.#receiveStates(pooled, message.states);
    }
    if (message.type === "views") {
      for (const { sessionId, view } of message.views) {
        const slot = this.#hosted(pooled, sessionId);
        // It includes every effect received so far: shown once they are durable.
        if (slot) this.#viewReceived(slot, view);
      }
      return;
    }
    const id = message.sessionId;
    if (message.type === "dropped") return this.#pool.dropped(pooled, id);
    const slot = this.#hosted(pooled, id);
    if (slot) this.#receive(slot, pooled, message);
  }

  /** The session `id` of a worker, unless it has left (or is leaving) that worker. */
  #hosted(pooled: PooledWorker<Slot>, id: string): Slot | undefined {
    if (pooled.draining.has(id)) return undefined;
    const slot = pooled.sessions.get(id);
    return slot?.host === pooled ? slot : undefined;
  }

  /** Restarts every session of a worker that died or hung, each with the cause. */
  #restartWorker(pooled: PooledWorker<Slot>, reason: string): void {
    if (pooled.dead) return;
    this.#pool.kill(pooled).terminate();
    for (const slot of [...pooled.sessions.values()]) this.#restart(slot, pooled, reason);
  }

  /**
   * Takes a worker's effects, session by session: every arrival listener hears
   * of a session's as soon as they are read, and they wait for their states
   * (in the worker's next `states` message) to be persisted with them.
   */
  #receiveEffects(pooled: PooledWorker<Slot>, reports: readonly SessionEffects[]): void {
    for (const report of reports) {
      const slot = this.#hosted(pooled, report.sessionId);
      if (!slot) continue;
      const effects: SessionEffect[] = JSON.parse(report.effects);
      for (const fn of this.#onArrival) fn(slot.spec.id, effects, report.receivedAt);
      slot.stateless = effects;
    }
  }

  /** Makes the effects a worker sent last durable with the states after them. */
  #receiveStates(pooled: PooledWorker<Slot>, states: readonly SessionState[]): void {
    for (const { sessionId, snapshot, busSeq } of states) {
      const slot = this.#hosted(pooled, sessionId);
      const effects = slot?.stateless;
      if (!slot || !effects) continue;
      slot.stateless = undefined;
      this.#persistReport(slot, pooled, { effects, snapshot, busSeq });
    }
    if (this.#allReported()) this.#deps.persister.gathered();
  }

  /**
   * Whether every session with a worker has handled the newest bus batch of
   * its symbols and every worker's effects with their states have arrived.
   */
  #allReported(): boolean {
    for (const pooled of this.#pool.workers()) {
      if (Atomics.load(pooled.reports, 0) !== pooled.statesReceived) return false;
    }
    for (const slot of this.#slots.values()) {
      if (!slot.host) continue;
      const symbols = symbolsOf(slot.spec);
      for (let i = 0; i < symbols.length; i++) {
        if (Atomics.load(slot.handled, i) < this.#deps.lastSeq(symbols[i])) return false;
      }
    }
    return true;
  }

  /** Persists a session's effects, and suspends it when too many wait for an unavailable database. */
  #persistReport(slot: Slot, pooled: PooledWorker<Slot>, report: Snapshotted): void {
    this.#persist(slot, report).catch((error) =>
      this.#restart(slot, pooled, `persisting events failed: ${errorText(error)}`)
    );
    // A slow database still commits (the backlog drains); one that fails does not.
    const waiting = slot.live.seq - slot.live.durableSeq;
    const outage = this.#deps.persister.outage();
    if (outage && waiting > this.#timings.maxWaitingEvents) {
      this.#restart(
        slot,
        pooled,
        `suspended: ${waiting} events waiting for the database (${outage.reason})`,
        { counts: false },
      );
    }
  }

  #receive(slot: Slot, pooled: PooledWorker<Slot>, message: SessionReport): void {
    const worker = pooled.worker;
    switch (message.type) {
      case "ready": {
        slot.ready = true;
        if (message.view.paused) this.#apply(slot, ["restored_paused"]);
        // Shown before the start resolves: the session's first answer already reflects it.
        this.#viewReceived(slot, message.view);
        slot.started.resolve();
        return;
      }
      case "command_done":
        slot.pending.get(message.requestId)?.resolve(message);
        slot.pending.delete(message.requestId);
        return;
      case "crashed":
        this.#restart(slot, pooled, message.error);
        return;
      case "recover": {
        const batches = this.#deps.recover(message.symbol, message.from, message.to);
        worker.postMessage(
          {
            type: "recovered",
            sessionId: slot.spec.id,
            symbol: message.symbol,
            batches,
          } as ToWorker,
        );
        return;
      }
      case "bus_gap":
        slot.live.bus_gaps++;
        return;
    }
  }

  /** Takes a session's newest view from its worker (it includes every effect received so far). */
  #viewReceived(slot: Slot, view: SessionView): void {
    slot.pendingView = { view, seq: slot.live.seq };
    this.#showView(slot);
  }

  /** Moves between warming_up and running as the worker reports progress (other statuses stay). */
  #followPhase(slot: Slot, view: SessionView): void {
    const change = transition(slot.live.status, phaseEvent(view));
    if (change.ok && change.to !== slot.live.status) this.#apply(slot, [change.event]);
  }

  /**
   * Numbers effects, queues them with the snapshot, and only once they are
   * durable makes them visible: to live listeners, then the newest view that
   * includes no effect still being written.
   */
  async #persist(slot: Slot, state: Snapshotted): Promise<void> {
    const { effects, snapshot, busSeq, view } = state;
    const firstSeq = slot.live.seq + 1;
    slot.live.seq += effects.length;
    const lastSeq = firstSeq + effects.length - 1;
    // A command's view is the newest: no message of the worker came in since (same turn).
    if (view) slot.pendingView = { view, seq: lastSeq };
    await this.#deps.persister.write({ sessionId: slot.spec.id, firstSeq, effects, snapshot });
    // A write of a worker that has since been replaced may only land, never move the state back.
    if (lastSeq < slot.live.durableSeq) return;
    slot.snapshot = snapshot;
    slot.busSeq = busSeq;
    slot.live.durableSeq = lastSeq;
    effects.forEach((effect, i) =>
      this.#deps.publish(slot.spec.id, { type: "effect", seq: firstSeq + i, effect })
    );
    this.#showView(slot);
  }

  /** Shows the pending view once every effect it includes is durable. */
  #showView(slot: Slot): void {
    const pending = slot.pendingView;
    if (!pending || pending.seq > slot.live.durableSeq) return;
    slot.pendingView = undefined;
    slot.live.view = pending.view;
    this.#followPhase(slot, pending.view);
    this.#deps.publish(slot.spec.id, {
      type: "view",
      view: pending.view,
      status: slot.live.status,
    });
  }

  /** Waits for a command's effects to be durable, or answers 503 (they stay queued). */
  async #durable(slot: Slot, write: Promise<void>, command: string): Promise<void> {
    if (await settledWithin(write, COMMAND_DURABLE_MS)) return await write;
    write.catch(() => {});
    const outage = this.#deps.persister.outage();
    throw new ServiceUnavailableError(
      `session ${slot.spec.id}: ${command} applied but not yet stored${
        outage ? ` (database unavailable: ${outage.reason})` : ""
      }; it is stored when the database answers`,
    );
  }

  #request(slot: Slot, command: SessionCommand): Promise<CommandDone> {
    return this.#send(
      slot,
      (requestId) => ({ type: "command", sessionId: slot.spec.id, command, requestId }),
    );
  }

  /** Sends a message that the worker answers with `command_done`. */
  #send(slot: Slot, message: (requestId: number) => ToWorker): Promise<CommandDone> {
    const requestId = slot.nextRequest++;
    return new Promise<CommandDone>((resolve, reject) => {
      slot.pending.set(requestId, { resolve, reject });
      slot.host?.worker.postMessage(message(requestId));
    });
  }

  #beat(): void {
    const now = performance.now();
    const elapsed = now - this.#lastBeat;
    this.#lastBeat = now;
    this.#loopLag = Math.max(0, elapsed - this.#timings.heartbeatMs);
    // A late heartbeat means this thread was starved: workers' answers may be queued behind it.
    const starved = this.#loopLag > this.#timings.starvedLagMs;
    const share = (this.#deps.cpuShare ?? loadShare)();
    const quiet = coreTime(elapsed, this.#timings.heartbeatMs, share, this.#timings.starvedLagMs);
    for (const slot of this.#slots.values()) this.#showLag(slot);
    for (const pooled of [...this.#pool.workers()]) {
      const progress = Atomics.load(pooled.progress, 0);
      const progressed = pooled.heard || progress !== pooled.lastProgress;
      pooled.heard = false;
      pooled.lastProgress = progress;
      if (!pooled.ready) {
        pooled.quietMs += quiet;
        if (pooled.quietMs > this.#timings.startGraceMs) {
          this.#restartWorker(
            pooled,
            `worker did not start within ${Math.round(pooled.quietMs / 1000)} s`,
          );
        }
        continue;
      }
      if (starved || progressed || !pooled.pingOutstanding) {
        pooled.quietMs = 0;
      } else {
        pooled.quietMs += quiet;
        if (pooled.quietMs > this.#timings.hangMs) {
          // Deno ends a terminated worker only when it returns to its event loop: one stuck
          // for good keeps its thread and memory until the process ends (see README).
          this.#restartWorker(
            pooled,
            `worker hung: no progress for ${
              Math.round(pooled.quietMs)
            } ms of its CPU share with a ping waiting (share ${share.toFixed(2)}, main thread lag ${
              Math.round(this.#loopLag)
            } ms)`,
          );
          continue;
        }
      }
      if (!pooled.pingOutstanding) {
        pooled.pingOutstanding = true;
        pooled.worker.postMessage({ type: "ping", id: ++this.#pingId } satisfies ToWorker);
      }
    }
  }

  /** Tells live listeners a session's lag when it moved by {@link LAG_STEP_MS} or caught up. */
  #showLag(slot: Slot): void {
    const lag = this.lagMs(slot.spec.id);
    if (lag === undefined) return;
    const shown = lag < LAG_STEP_MS ? 0 : Math.round(lag);
    if (shown === slot.shownLag) return;
    if (shown !== 0 && Math.abs(shown - slot.shownLag) < LAG_STEP_MS) return;
    slot.shownLag = shown;
    this.#deps.publish(slot.spec.id, { type: "lag", lag_ms: shown });
  }

  /**
   * Stops a crashed, hung or suspended worker and starts a new one from the
   * last durable state, or gives up (failed) after too many restarts. Never
   * rejects: it runs detached from whoever noticed the problem.
   */
  async #restart(
    slot: Slot,
    host: PooledWorker<Slot> | undefined,
    reason: string,
    options: { counts?: boolean } = {},
  ): Promise<void> {
    if (this.#closed || slot.host !== host || slot.restarting) return;
    if (this.#slots.get(slot.spec.id) !== slot) return;
    slot.restarting = true;
    this.#stopWorker(slot);
    this.#rejectPending(slot, `session worker restarted (${reason}); try again`);
    const counts = options.counts ?? true;
    const now = performance.now();
    if (counts) {
      slot.restartTimes = slot.restartTimes.filter((t) => now - t < this.#timings.restartWindowMs);
      slot.restartTimes.push(now);
      slot.live.lastError = reason;
    }
    slot.live.restarts++;
    slot.live.restartReason = reason;
    this.#deps.log.warn(
      `session ${slot.spec.id}: worker restart #${slot.live.restarts} (${reason})`,
    );
    if (slot.restartTimes.length > this.#timings.maxRestarts) {
      const error = `${slot.restartTimes.length} restarts within ${
        this.#timings.restartWindowMs / 1000
      } s; last error: ${reason}`;
      this.#apply(slot, ["fail"], { error });
      slot.started.reject(
        new ServiceUnavailableError(`session ${slot.spec.id} failed to start: ${error}`),
      );
      slot.restarting = false;
      return;
    }
    this.#apply(slot, ["restart"], { record: true });
    try {
      await delay(counts ? Math.min(100 * 2 ** (slot.restartTimes.length - 1), 5_000) : 0);
      // Effects already queued become durable first: the new worker starts from them.
      await this.#deps.persister.flush();
    } catch (error) {
      this.#deps.log.error(`session ${slot.spec.id}: restart failed: ${error}`);
    }
    if (this.#closed || this.#slots.get(slot.spec.id) !== slot) return;
    this.#spawn(slot);
  }

  /** Starts a failed session again from its durable state ("resume" of a failed session). */
  async #revive(slot: Slot): Promise<LiveSession> {
    slot.restartTimes = [];
    slot.started = outcome();
    this.#apply(slot, ["resume"], { record: true });
    this.#spawn(slot);
    await this.#untilStarted(slot);
    if (slot.live.status === "paused") return await this.command(slot.spec.id, "resume");
    return slot.live;
  }

  /** Takes the session out of its worker (terminated when it hosts no other), dropping every reference to it. */
  #stopWorker(slot: Slot): void {
    if (slot.host) this.#pool.remove(slot.host, slot.spec.id);
    this.#detach(slot);
  }

  /**
   * Forgets the worker of `slot`: nothing it says about the session is taken
   * any more, not even its view still waiting for effects to be durable (it
   * would move the status of the session restarting without it), nor effects
   * still waiting for their state (the new worker makes them again).
   */
  #detach(slot: Slot): void {
    slot.host = undefined;
    slot.ready = false;
    slot.pendingView = undefined;
    slot.stateless = undefined;
  }

  #rejectPending(slot: Slot, reason: string): void {
    for (const pending of slot.pending.values()) {
      pending.reject(new ServiceUnavailableError(reason));
    }
    slot.pending.clear();
  }

  /** Ends a session: its worker goes, and its status becomes stopped (durable before this resolves). */
  async #finish(slot: Slot): Promise<void> {
    this.#stopWorker(slot);
    slot.started.reject(new ConflictError(`session ${slot.spec.id} was stopped`));
    this.#slots.delete(slot.spec.id);
    const status = slot.live.status;
    const events: SessionEvent[] = status === "failed" || status === "stopping"
      ? [status === "failed" ? "stop" : "stopped"]
      : ["stop", "stopped"];
    await this.#durable(slot, this.#apply(slot, events, { record: true }), "stop");
  }

  /**
   * Applies `events` in turn through the lifecycle's transition table, then
   * changes the session's status in memory, tells live listeners, and queues
   * the change to be stored in order with the session's events (also when only
   * its error or restart record changed: `record`). The returned promise
   * settles when it is stored; nobody has to wait for it. A refused event
   * changes nothing (logged).
   */
  #apply(
    slot: Slot,
    events: readonly SessionEvent[],
    options: { error?: string; record?: boolean } = {},
  ): Promise<void> {
    let change: StatusChange | undefined;
    for (const event of events) {
      const next = transition(change?.to ?? slot.live.status, event);
      if (!next.ok) {
        this.#deps.log.warn(`session ${slot.spec.id}: ${next.reason}`);
        return Promise.resolve();
      }
      change = next;
    }
    if (!change) return Promise.resolve();
    const status = change.to;
    const { error } = options;
    if (slot.live.status === status && !error && !options.record) return Promise.resolve();
    slot.live.status = status;
    if (error) slot.live.lastError = error;
    this.#deps.publish(slot.spec.id, { type: "status", status, ...(error ? { error } : {}) });
    const stored = this.#deps.persister.write({
      sessionId: slot.spec.id,
      firstSeq: slot.live.seq + 1,
      effects: [],
      status: {
        change,
        lastError: slot.live.lastError,
        restarts: slot.live.restarts,
        restartReason: slot.live.restartReason,
      },
    });
    stored.catch((e) => this.#deps.log.debug(`session ${slot.spec.id}: status not stored: ${e}`));
    return stored;
  }
}

/** The symbols a session trades, in order. */
function symbolsOf(spec: SessionSpec): readonly string[] {
  return spec.symbols ?? [spec.symbol];
}

/** The lifecycle event of a worker's reported phase. */
function phaseEvent(view: SessionView): "warming" | "warmed" {
  return view.phase === "running" ? "warmed" : "warming";
}
