/**
 * One session hosted in a session worker: runs its {@link SessionCore} (or,
 * for a portfolio session, its {@link PortfolioCore} over all its symbols'
 * buses) over the market data it receives on the bus (through the worker's
 * shared {@link BusReader}: a batch is decoded once for all its sessions),
 * and reports every effect to the supervisor with the state right after it
 * (serialised here, off the main thread, when the worker asks for it: after
 * it sent the effects of all its sessions, and always before this session
 * changes its state again). It tells the worker when its view
 * changed; the worker sends its sessions' views together, throttled.
 *
 * A worker may host several of these: an exception in one (in a message it
 * handles or in its market data) closes that host alone and is reported as
 * `crashed`, never thrown into the worker its neighbours share.
 */
import {
  isPortfolioSnapshot,
  PortfolioCore,
  SessionCore,
  type SessionEffect,
  type SessionView,
} from "../core/session/mod.ts";
import type { BusEvent } from "./market/bus.ts";
import { BusSubscriber } from "./market/bus_subscriber.ts";
import type { BusReader } from "./market/bus_reader.ts";
import { TimeMerge } from "./market/time_merge.ts";
import { effectiveLimits } from "../core/risk/limits.ts";
import { errorText } from "../core/error_text.ts";
import type { Strategy } from "../core/strategy/schema.ts";
import { recordApplied, type ResumePoint, resumePointOf, withResumePoint } from "./resume_point.ts";
import type {
  ActionResult,
  RiskLayers,
  SessionAction,
  SessionMessage,
  SessionState,
  ToWorker,
} from "./worker_protocol.ts";

/** How long a portfolio's events wait for a quiet symbol (see {@link TimeMerge}). */
const MERGE_HOLD_MS = 500;
/** Longest wait of a portfolio's events for a stalled hub (as long as a bus subscriber takes to call it down). */
const MERGE_STALL_MS = 5_000;

type Init = Extract<ToWorker, { type: "init" }>;

/** A session's effects as it reports them to its worker. */
export interface ReportedEffects {
  readonly effects: SessionEffect[];
  /** Wall-clock ms (high resolution) when the first batch that caused them reached the worker. */
  readonly receivedAt: number;
  /**
   * The state right after the effects (undefined if taking it crashed the
   * session); the worker takes it once, after sending the effects.
   */
  readonly state: () => Omit<SessionState, "sessionId"> | undefined;
}

/** What a host needs from the worker that runs it. */
export interface HostContext {
  /** Sends a message of this session to the main thread (after any effects it reported). */
  post(message: SessionMessage): void;
  /** Reports this session's effects (sent with its worker-mates' in one message). */
  report(effects: ReportedEffects): void;
  /** Sends the effects reported so far with their states (before this session's state changes). */
  flush(): void;
  /** This session's view changed (the worker asks for it with {@link SessionHost.view} when it sends views). */
  viewChanged(): void;
  /** The worker's reader of the market bus, shared by its sessions. */
  readonly reader: BusReader;
  /** Bumps the worker's progress counter. */
  advance(): void;
}

/** One session run inside a (possibly shared) worker. */
export class SessionHost {
  readonly #context: HostContext;
  #core: SessionCore | PortfolioCore | undefined;
  /** The strategy and the session's own limits: account-wide limits combine with them again when they change. */
  #riskBase: { strategy: Strategy; session?: RiskLayers["session"] };
  #bus: BusSubscriber | undefined;
  /** A portfolio's symbols' events in one time order (undefined for one symbol). */
  #merge: TimeMerge | undefined;
  #mergeTimer: ReturnType<typeof setTimeout> | undefined;
  /** Effects of the batches delivered since the last report. */
  readonly #effects: SessionEffect[] = [];
  /** When the first of those batches reached the worker (wall-clock ms). */
  #receivedAt: number | undefined;
  /** The worker has yet to take the state after the effects last reported. */
  #owed = false;
  /** Shared with the supervisor: per symbol, the seq of the last bus batch handled (how far behind the session is). */
  readonly #handled: Int32Array;
  /** Per symbol, the seq of the last bus batch handled: every snapshot sent says which batches it includes. */
  readonly #busSeq: Record<string, number>;
  /** The session's symbols, in the order of the `handled` slots. */
  readonly #symbols: readonly string[];
  /** The last market events applied: every snapshot sent carries it. */
  #resume: ResumePoint = {};
  /**
   * While parts of the catch-up are still to come: where it ends, and what
   * starts the bus after it (effects wait for the last part).
   */
  #replaying: { startAfter: Record<string, number>; listen: () => void } | undefined;

  /** Starts the session of `message` (its core, warm-up and bus); reports `ready` or `crashed`. */
  constructor(message: Init, context: HostContext) {
    this.#context = context;
    this.#handled = message.handled;
    this.#symbols = message.symbols ?? [message.symbol];
    this.#busSeq = Object.fromEntries(this.#symbols.map((s) => [s, message.startAfter[s] ?? 0]));
    const { strategy } = message;
    this.#riskBase = { strategy, session: message.risk?.session };
    this.#guarded(() => this.#init(message))();
  }

  #init(message: Init): void {
    const { strategy, execution } = message;
    const symbols = this.#symbols;
    const snapshot = message.snapshot === undefined ? undefined : JSON.parse(message.snapshot);
    this.#resume = resumePointOf(snapshot) ?? {};
    const risk = effectiveLimits(strategy.risk, message.risk?.session, message.risk?.account);
    const core = message.symbols
      ? new PortfolioCore(
        { symbols, strategy, execution, risk },
        snapshot && isPortfolioSnapshot(snapshot) ? snapshot : undefined,
      )
      : new SessionCore({ symbol: message.symbol, strategy, execution, risk }, snapshot);
    core.warm(message.history, message.preroll);
    // Recorded with the first market batch's effects (the session is halted from now on).
    // A kill switch lifted while the session did not run (failed, moving between nodes) lifts its halt.
    const at = message.history.at(-1)?.closeTime;
    if (message.risk?.halted) core.setTradingState("halted", "kill_switch", this.#effects, { at });
    else {
      core.setTradingState("active", "kill_switch", this.#effects, { at, only: "kill_switch" });
    }
    this.#core = core;
    this.#merge = message.symbols
      ? new TimeMerge({
        symbols,
        holdMs: MERGE_HOLD_MS,
        stallMs: MERGE_STALL_MS,
        rings: message.rings,
        startAfter: message.startAfter,
        onEvent: (event) => this.#apply(event),
        onBatchDone: (symbol, seq) => this.#passed(symbol, seq),
      })
      : undefined;
    const listen = () =>
      this.#bus = new BusSubscriber({
        symbols,
        rings: message.rings,
        startAfter: message.startAfter,
        reader: this.#context.reader,
        onEvents: this.#guarded((events, seq, symbol) => this.#onMarket(events, seq, symbol)),
        onDrained: this.#guarded(() => this.#onDrained()),
        requestRecovery: (symbol, from, to) => this.#post({ type: "recover", symbol, from, to }),
        onUnrecoverable: this.#guarded((symbol, from, to) => {
          this.#settle();
          // Batches given up on count as handled: lag and a later restart move on past them.
          if (this.#merge) {
            this.#merge.push(symbol, [], to, performance.timeOrigin + performance.now());
            this.#releaseHeld();
          } else this.#passed(symbol, to);
          this.#post({ type: "bus_gap", symbol, from, to });
        }),
      });
    this.#post({ type: "ready", view: core.view() });
    // The bus (read from the next microtask on) starts after the last part of the catch-up.
    if (message.replayMore) this.#replaying = { startAfter: message.startAfter, listen };
    if (message.replay) this.#catchUp(message.replay, message.startAfter);
    if (!message.replayMore) listen();
  }

  /**
   * Applies the market events a restored session missed, before any bus batch
   * (they end where the bus starts), and reports their effects.
   */
  #catchUp(
    replay: Record<string, readonly BusEvent[]>,
    startAfter: Record<string, number>,
  ): void {
    const now = performance.timeOrigin + performance.now();
    this.#receivedAt ??= now;
    for (const symbol of this.#symbols) {
      const events = replay[symbol] ?? [];
      if (this.#merge) this.#merge.push(symbol, events, startAfter[symbol] ?? 0, now);
      else for (let i = 0; i < events.length; i++) this.#apply(events[i]);
    }
    if (this.#merge) this.#release(now);
    this.#onDrained();
  }

  /** Handles a message of the main thread about this session; an exception crashes the session alone. */
  handle(message: ToWorker): void {
    this.#guarded(() => {
      this.#settle();
      this.#handle(message);
    })();
  }

  /** Stops the session: its bus and timers (the worker drops it), once its state last reported went. */
  close(): void {
    this.#settle();
    this.#core = undefined;
    this.#bus?.close();
    this.#bus = undefined;
    clearTimeout(this.#mergeTimer);
    this.#merge = undefined;
  }

  /**
   * The session's view now (it covers every effect reported so far);
   * undefined once closed. An exception crashes the session alone.
   */
  view(): SessionView | undefined {
    return this.#guarded(() => this.#core?.view())();
  }

  /** True until the session closed (dropped, or crashed). */
  get open(): boolean {
    return this.#core !== undefined;
  }

  #post(message: SessionMessage): void {
    this.#context.post(message);
  }

  /**
   * `fn` with its exceptions turned into this session's crash (reported once,
   * the host closed; it then returns undefined).
   */
  #guarded<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R | undefined {
    return (...args) => {
      try {
        return fn(...args);
      } catch (error) {
        this.close();
        this.#post({ type: "crashed", error: errorText(error) });
      }
    };
  }

  /** The state now as the JSON text of a snapshot. */
  #snapshotText(): string {
    return withResumePoint(this.#core!.state(), this.#resume);
  }

  /** Before the state changes: the worker sends the effects reported with the state after them. */
  #settle(): void {
    if (this.#owed) this.#context.flush();
  }

  /** The state right after the effects last reported, taken once (a crash ends the session). */
  #reportedState(): Omit<SessionState, "sessionId"> | undefined {
    this.#owed = false;
    return this.#guarded(() => ({
      snapshot: this.#snapshotText(),
      busSeq: { ...this.#busSeq },
    }))();
  }

  #onMarket(events: readonly BusEvent[], seq: number, symbol: string): void {
    if (!this.#core) return;
    this.#settle();
    this.#context.advance();
    const now = performance.timeOrigin + performance.now();
    this.#receivedAt ??= now;
    if (this.#merge) {
      this.#merge.push(symbol, events, seq, now);
      this.#release(now);
      return;
    }
    for (let i = 0; i < events.length; i++) this.#apply(events[i]);
    this.#passed(symbol, seq);
  }

  #apply(event: BusEvent): void {
    if (event.type === "book") this.#core!.book(event, this.#effects);
    else {
      this.#core!.step(event, this.#effects);
      recordApplied(this.#resume, event);
    }
  }

  /** Passes a portfolio's merged events on to the core, and wakes up for those held for a quiet symbol. */
  #release(now: number): void {
    clearTimeout(this.#mergeTimer);
    const wait = this.#merge!.drain(now);
    if (wait !== undefined) {
      this.#mergeTimer = setTimeout(this.#guarded(() => this.#releaseHeld()), wait);
    }
  }

  /** Passes on the events held for a quiet symbol once their wait is over, and reports them. */
  #releaseHeld(): void {
    if (!this.#merge) return;
    this.#settle();
    const now = performance.timeOrigin + performance.now();
    this.#receivedAt ??= now;
    this.#release(now);
    this.#onDrained();
  }

  /**
   * After the batches available at once: their effects go in one report with
   * the one state after them all.
   */
  #onDrained(): void {
    // A catch-up is reported whole: a state part of the way would let a restart skip the rest.
    if (!this.#core || this.#replaying) return;
    if (this.#effects.length > 0) {
      this.#owed = true;
      this.#context.report({
        effects: this.#effects.splice(0),
        receivedAt: this.#receivedAt!,
        state: () => this.#reportedState(),
      });
    }
    this.#receivedAt = undefined;
    this.#context.viewChanged();
  }

  /** Records that the bus batches of `symbol` up to `seq` are behind the session. */
  #passed(symbol: string, seq: number): void {
    this.#busSeq[symbol] = seq;
    Atomics.store(this.#handled, this.#symbols.indexOf(symbol), seq);
  }

  #handle(message: ToWorker): void {
    const core = this.#core;
    if (!core) return;
    switch (message.type) {
      case "command": {
        const out: SessionEffect[] = [];
        if (message.command === "pause") core.pause();
        else if (message.command === "resume") core.resume();
        else {
          core.cancelOrders(out);
          this.#bus?.close();
          this.#bus = undefined;
          clearTimeout(this.#mergeTimer);
          this.#merge = undefined;
        }
        this.#done(core, message.requestId, out);
        return;
      }
      case "act": {
        const out: SessionEffect[] = [];
        this.#done(core, message.requestId, out, this.#act(core, message.action, out));
        return;
      }
      case "recovered":
        this.#bus?.deliverRecovered(message.symbol, message.batches);
        return;
      case "replay": {
        const replaying = this.#replaying!;
        if (!message.more) this.#replaying = undefined;
        this.#context.advance();
        this.#catchUp(message.replay, replaying.startAfter);
        if (!message.more) replaying.listen();
        return;
      }
      case "fault":
        if (message.fault === "crash") throw new Error("injected fault: crash");
        return;
    }
  }

  /** Answers a command or action with the state right after it and its effects. */
  #done(
    core: SessionCore | PortfolioCore,
    requestId: number,
    effects: SessionEffect[],
    result?: ActionResult,
  ): void {
    this.#post({
      type: "command_done",
      requestId,
      snapshot: this.#snapshotText(),
      busSeq: this.#busSeq,
      view: core.view(),
      effects,
      result,
    });
  }

  /** Applies a trader's or operator's action to the session. */
  #act(
    core: SessionCore | PortfolioCore,
    action: SessionAction,
    out: SessionEffect[],
  ): ActionResult {
    switch (action.kind) {
      case "order":
        return { order: core.placeOrder(action.order, out) };
      case "cancel":
        return { cancelled: core.cancelOrder(action.order_id, out) };
      case "close":
        if (core instanceof PortfolioCore) core.closePosition(out, action.symbol);
        else core.closePosition(out);
        return {};
      case "risk":
        return {
          changed: core.setTradingState(action.state, action.rule, out, {
            flatten: action.flatten,
            only: action.only,
          }),
        };
      case "risk_limits":
        core.setRiskLimits(
          effectiveLimits(this.#riskBase.strategy.risk, this.#riskBase.session, action.account),
        );
        return {};
    }
  }
}
