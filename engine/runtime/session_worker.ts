/**
 * Entry point of a session worker: runs one {@link SessionCore} (or, for a
 * portfolio session, one {@link PortfolioCore} over all its symbols' buses) over the
 * market data it receives on the bus, and reports every effect to the
 * supervisor together with the state right after it (serialised here, off
 * the main thread). Its view goes at most every {@link VIEW_INTERVAL_MS}
 * (the last change always follows). Runs without network or file access.
 */
/// <reference lib="deno.worker" />
import {
  isPortfolioSnapshot,
  PortfolioCore,
  SessionCore,
  type SessionEffect,
} from "../core/session/mod.ts";
import type { BusEvent } from "./market/bus.ts";
import { BusSubscriber } from "./market/bus_subscriber.ts";
import { TimeMerge } from "./market/time_merge.ts";
import { effectiveLimits } from "../core/risk/limits.ts";
import type { Strategy } from "../core/strategy/schema.ts";
import { recordApplied, type ResumePoint, resumePointOf, withResumePoint } from "./resume_point.ts";
import type {
  ActionResult,
  FromWorker,
  RiskLayers,
  SessionAction,
  ToWorker,
} from "./worker_protocol.ts";

/** Views go to the main thread at most this often. */
const VIEW_INTERVAL_MS = 200;
/** Longest wait of a portfolio's events for a quiet symbol (see {@link TimeMerge}). */
const MERGE_HOLD_MS = 500;
/** How long the injected "hang" fault blocks the worker. */
const HANG_MS = 60_000;

let core: SessionCore | PortfolioCore | undefined;
/** The strategy and the session's own limits: account-wide limits combine with them again when they change. */
let riskBase: { strategy: Strategy; session?: RiskLayers["session"] } | undefined;
let bus: BusSubscriber | undefined;
/** A portfolio's symbols' events in one time order (undefined for one symbol). */
let merge: TimeMerge | undefined;
let mergeTimer: ReturnType<typeof setTimeout> | undefined;
let lastView = -Infinity;
/** The trailing view, when one is due. */
let viewTimer: ReturnType<typeof setTimeout> | undefined;
/** Effects of the batches delivered since the last report. */
const effects: SessionEffect[] = [];
/** When the first of those batches reached the worker (wall-clock ms). */
let receivedAt: number | undefined;
/** Shared with the supervisor, which reads it to tell a busy worker from a hung one. */
let progress: Int32Array | undefined;
/** Shared with the supervisor: per symbol, the seq of the last bus batch handled (how far behind the worker is). */
let handled: Int32Array | undefined;
/** Per symbol, the seq of the last bus batch handled: every snapshot sent says which batches it includes. */
let busSeq: Record<string, number> = {};
/** The session's symbols, in the order of the `handled` slots. */
let symbols: readonly string[] = [];
/** The last market events applied: every snapshot sent carries it. */
let resume: ResumePoint = {};

function advance(): void {
  if (progress) Atomics.add(progress, 0, 1);
}

function post(message: FromWorker): void {
  self.postMessage(message);
}

function onMarket(events: readonly BusEvent[], seq: number, symbol: string): void {
  if (!core) return;
  advance();
  const now = performance.timeOrigin + performance.now();
  receivedAt ??= now;
  if (merge) {
    merge.push(symbol, events, seq, now);
    release(now);
    return;
  }
  for (let i = 0; i < events.length; i++) apply(events[i]);
  passed(symbol, seq);
}

function apply(event: BusEvent): void {
  if (event.type === "book") core!.book(event, effects);
  else {
    core!.step(event, effects);
    recordApplied(resume, event);
  }
}

/** The state now as the JSON text of a snapshot. */
function snapshotText(): string {
  return withResumePoint(core!.state(), resume);
}

/** Passes a portfolio's merged events on to the core, and wakes up for those held for a quiet symbol. */
function release(now: number): void {
  clearTimeout(mergeTimer);
  const wait = merge!.drain(now);
  if (wait !== undefined) mergeTimer = setTimeout(releaseHeld, wait);
}

/** Passes on the events held for a quiet symbol once their wait is over, and reports them. */
function releaseHeld(): void {
  const now = performance.timeOrigin + performance.now();
  receivedAt ??= now;
  release(now);
  onDrained();
}

/**
 * After the batches available at once: their effects go in one message with
 * the one snapshot after them all.
 */
function onDrained(): void {
  if (!core) return;
  if (effects.length > 0) {
    post({
      type: "effects",
      effects: effects.splice(0),
      snapshot: snapshotText(),
      busSeq,
      receivedAt: receivedAt!,
    });
  }
  receivedAt = undefined;
  viewChanged();
}

/** Sends the view now if none went for {@link VIEW_INTERVAL_MS}, else once that has passed. */
function viewChanged(): void {
  if (viewTimer !== undefined) return;
  const wait = lastView + VIEW_INTERVAL_MS - performance.now();
  if (wait <= 0) sendView();
  else viewTimer = setTimeout(sendView, wait);
}

function sendView(): void {
  viewTimer = undefined;
  if (!core) return;
  lastView = performance.now();
  post({ type: "view", view: core.view() });
}

/** Records that the bus batches of `symbol` up to `seq` are behind the worker. */
function passed(symbol: string, seq: number): void {
  busSeq[symbol] = seq;
  if (handled) Atomics.store(handled, symbols.indexOf(symbol), seq);
}

function handle(message: ToWorker): void {
  switch (message.type) {
    case "init": {
      progress = message.progress;
      handled = message.handled;
      symbols = message.symbols ?? [message.symbol];
      busSeq = Object.fromEntries(symbols.map((s) => [s, message.startAfter[s] ?? 0]));
      const { strategy, execution } = message;
      const snapshot = message.snapshot === undefined ? undefined : JSON.parse(message.snapshot);
      resume = resumePointOf(snapshot) ?? {};
      riskBase = { strategy, session: message.risk?.session };
      const risk = effectiveLimits(strategy.risk, message.risk?.session, message.risk?.account);
      core = message.symbols
        ? new PortfolioCore(
          { symbols, strategy, execution, risk },
          snapshot && isPortfolioSnapshot(snapshot) ? snapshot : undefined,
        )
        : new SessionCore({ symbol: message.symbol, strategy, execution, risk }, snapshot);
      core.warm(message.history, message.preroll);
      // Recorded with the first market batch's effects (the session is halted from now on).
      // A kill switch lifted while the session did not run (failed, moving between nodes) lifts its halt.
      const at = message.history.at(-1)?.closeTime;
      if (message.risk?.halted) core.setTradingState("halted", "kill_switch", effects, { at });
      else core.setTradingState("active", "kill_switch", effects, { at, only: "kill_switch" });
      merge = message.symbols
        ? new TimeMerge({
          symbols,
          holdMs: MERGE_HOLD_MS,
          onEvent: apply,
          onBatchDone: passed,
        })
        : undefined;
      bus = new BusSubscriber({
        symbols,
        rings: message.rings,
        startAfter: message.startAfter,
        namespace: message.busNamespace,
        onEvents: onMarket,
        onDrained,
        requestRecovery: (symbol, from, to) => post({ type: "recover", symbol, from, to }),
        onUnrecoverable: (symbol, from, to) => {
          // Batches given up on count as handled: lag and a later restart move on past them.
          if (merge) {
            merge.push(symbol, [], to, performance.timeOrigin + performance.now());
            releaseHeld();
          } else passed(symbol, to);
          post({ type: "bus_gap", symbol, from, to });
        },
      });
      lastView = performance.now();
      post({ type: "ready", view: core.view() });
      if (message.replay) catchUp(message.replay, message.startAfter);
      return;
    }
    case "command": {
      if (!core) throw new TypeError(`command '${message.command}' before init`);
      const out: SessionEffect[] = [];
      if (message.command === "pause") core.pause();
      else if (message.command === "resume") core.resume();
      else {
        core.cancelOrders(out);
        bus?.close();
        bus = undefined;
        clearTimeout(mergeTimer);
        merge = undefined;
      }
      post({
        type: "command_done",
        requestId: message.requestId,
        snapshot: snapshotText(),
        busSeq,
        view: core.view(),
        effects: out,
      });
      return;
    }
    case "act": {
      if (!core) throw new TypeError(`action '${message.action.kind}' before init`);
      const out: SessionEffect[] = [];
      const result = act(core, message.action, out);
      post({
        type: "command_done",
        requestId: message.requestId,
        snapshot: snapshotText(),
        busSeq,
        view: core.view(),
        effects: out,
        result,
      });
      return;
    }
    case "recovered":
      bus?.deliverRecovered(message.symbol, message.batches);
      return;
    case "ping":
      post({ type: "pong", id: message.id });
      return;
    case "fault":
      if (message.fault === "crash") throw new Error("injected fault: crash");
      if (message.fault === "hang") hang();
      else busy(message.fault.busyMs);
      return;
  }
}

/**
 * Applies the market events a restored session missed, before any bus batch
 * (they end where the bus starts), and reports their effects.
 */
function catchUp(
  replay: Record<string, readonly BusEvent[]>,
  startAfter: Record<string, number>,
): void {
  const now = performance.timeOrigin + performance.now();
  receivedAt ??= now;
  for (const symbol of symbols) {
    const events = replay[symbol] ?? [];
    if (merge) merge.push(symbol, events, startAfter[symbol] ?? 0, now);
    else for (let i = 0; i < events.length; i++) apply(events[i]);
  }
  if (merge) release(now);
  onDrained();
}

/** Applies a trader's or operator's action to the session. */
function act(
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
        effectiveLimits(riskBase?.strategy.risk, riskBase?.session, action.account),
      );
      return {};
  }
}

/**
 * Injected fault: blocks the thread for a minute without progress (and
 * without burning a core). A worker blocked for good could never be
 * reclaimed: Deno ends a terminated worker only when it returns to its
 * event loop.
 */
function hang(): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, HANG_MS);
}

/** Injected fault: blocks the event loop for `ms`, making progress all along. */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) advance();
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  advance();
  handle(event.data);
};
