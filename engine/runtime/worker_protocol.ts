/**
 * Messages between the supervisor (main thread) and a session worker. Commands
 * and session events travel over `worker.postMessage` (ordered, never dropped);
 * market data reaches workers over the bus. A worker may host several sessions
 * (`SESSIONS_PER_WORKER`): every message about a session names it
 * (`sessionId`); only the heartbeat (`ping`/`pong`) is the worker's own.
 */
import type { Candle, MarketEvent, Trade } from "../core/types.ts";
import type { ExecutionConfig } from "../core/execution/mod.ts";
import type { Strategy } from "../core/strategy/mod.ts";
import type { Order } from "../core/execution/mod.ts";
import type {
  ManualOrder,
  SessionCommand,
  SessionEffect,
  SessionView,
} from "../core/session/mod.ts";
import type { RiskLimits, TradingState } from "../core/risk/mod.ts";
import type { BusBatch } from "./market/mod.ts";

export type { SessionCommand };

/** A trader's action on a session's book (not a status change). */
export type SessionAction =
  /** Flattens the session (a portfolio's: only `symbol`'s position and orders, when given). */
  | { readonly kind: "close"; readonly symbol?: string }
  | { readonly kind: "order"; readonly order: ManualOrder }
  | { readonly kind: "cancel"; readonly order_id: string }
  /** An operator (`manual`) or the kill switch sets the trading state; `only` lifts just that rule's state. */
  | {
    readonly kind: "risk";
    readonly state: TradingState;
    readonly rule: "manual" | "kill_switch";
    readonly flatten?: boolean;
    readonly only?: "kill_switch";
  }
  /** The account-wide limits changed. */
  | { readonly kind: "risk_limits"; readonly account: RiskLimits };

/** The risk limits a session is given beyond its strategy's `risk` block. */
export interface RiskLayers {
  /** The session's own (`risk` in the create body), overriding the strategy's. */
  readonly session?: RiskLimits;
  /** The account-wide caps. */
  readonly account?: RiskLimits;
  /** The account kill switch is on: the session halts as it starts. */
  readonly halted?: boolean;
}

/** What an action produced: the placed order, or whether the cancel found an open order. */
export interface ActionResult {
  readonly order?: Order;
  readonly cancelled?: boolean;
  /** Whether a `risk` action changed the trading state. */
  readonly changed?: boolean;
}

/**
 * The states after an `effects` message go at the latest this long (ms)
 * after it, whether or not the supervisor has taken it (see `taken`).
 */
export const STATES_WAIT_MS = 10;

/** Main → worker. */
export type ToWorker =
  | {
    readonly type: "init";
    readonly sessionId: string;
    readonly symbol: string;
    /** A portfolio session's symbols (one wallet); absent for one symbol. */
    readonly symbols?: readonly string[];
    readonly strategy: Strategy;
    readonly execution: ExecutionConfig;
    /** JSON text of the durable `SessionSnapshot` to start from. */
    readonly snapshot?: string;
    readonly risk?: RiskLayers;
    readonly history: readonly Candle[];
    /** Trades of the forming candles the restored state already includes (warm-up after `history`). */
    readonly preroll?: readonly Trade[];
    /** Per symbol, market events the restored state missed, applied before the bus (a cluster's catch-up). */
    readonly replay?: Record<string, readonly MarketEvent[]>;
    /** More of `replay` follows in `replay` messages (in time order): the bus starts after the last. */
    readonly replayMore?: boolean;
    /** Bus sequence per symbol the worker starts after. */
    readonly startAfter: Record<string, number>;
    /** Per symbol, the hub's shared ring of bus batches. */
    readonly rings: Record<string, SharedArrayBuffer>;
    /** The worker's progress counter in shared memory (one per worker): bumped for every message and market batch. */
    readonly progress: Int32Array;
    /**
     * The worker's count in shared memory (one per worker) of the `effects`
     * messages it has begun to gather: the supervisor starts a commit once the
     * states of all have arrived. Absent when nobody waits for them.
     */
    readonly reports?: Int32Array;
    /**
     * The worker's count in shared memory (one per worker) of the `effects`
     * messages the supervisor has taken: the states after them wait for it
     * (at most briefly). Absent: they follow at once.
     */
    readonly taken?: Int32Array;
    /** Shared memory, one slot per symbol in order: the seq of each bus batch once handled (lag). */
    readonly handled: Int32Array;
    /** Warm the worker's code up for fills (once per worker, see session_warmup.ts): set for pooled workers. */
    readonly warmUp?: boolean;
  }
  | {
    readonly type: "command";
    readonly sessionId: string;
    readonly command: SessionCommand;
    readonly requestId: number;
  }
  /** A trader's action on the book, answered with `command_done` like a command. */
  | {
    readonly type: "act";
    readonly sessionId: string;
    readonly action: SessionAction;
    readonly requestId: number;
  }
  | {
    readonly type: "recovered";
    readonly sessionId: string;
    readonly symbol: string;
    readonly batches: BusBatch[] | null;
  }
  /** The next part of an init's `replay`; `more`: another follows. */
  | {
    readonly type: "replay";
    readonly sessionId: string;
    readonly replay: Record<string, readonly MarketEvent[]>;
    readonly more: boolean;
  }
  /** The session leaves the worker (stopped, moved, or restarting): answered with `dropped`. */
  | { readonly type: "drop"; readonly sessionId: string }
  | { readonly type: "ping"; readonly id: number }
  /**
   * Fault injection for tests: throw inside the worker, block it without
   * progress (for a minute), or keep it busy for `busyMs` while it makes
   * progress (like a worker working through a long backlog). Only `crash`
   * is the session's alone: the others hold the whole worker.
   */
  | {
    readonly type: "fault";
    readonly sessionId: string;
    readonly fault: "crash" | "hang" | { readonly busyMs: number };
  };

/** Worker → main: a session's messages, each naming it, its sessions' effects or views together, or its answer to a ping. */
export type FromWorker =
  | (SessionMessage & { readonly sessionId: string })
  /**
   * The effects of every hosted session that has any, since the worker last
   * sent them; a `states` message with the state right after them follows
   * (once the supervisor has taken them, see `taken`).
   */
  | { readonly type: "effects"; readonly reports: readonly SessionEffects[] }
  /** The state of each session of the `effects` message just before, right after those effects. */
  | { readonly type: "states"; readonly states: readonly SessionState[] }
  /**
   * The pictures of the hosted sessions whose view changed, at most every few
   * hundred ms (trailing: the last change is always sent). Each covers every
   * effect of its session sent before it.
   */
  | { readonly type: "views"; readonly views: SessionViews }
  | { readonly type: "pong"; readonly id: number };

/**
 * One session's effects, sent ahead of the state after them (see
 * {@link SessionState}): they reach the main thread before the worker has
 * serialised the states of all its sessions.
 */
export interface SessionEffects {
  readonly sessionId: string;
  /**
   * The effects in order, as JSON text of a `SessionEffect[]` (cheaper to send
   * and to read than the objects, which cross the thread boundary one property
   * at a time).
   */
  readonly effects: string;
  /** Wall-clock ms (high resolution) when the first batch that caused them reached the worker. */
  readonly receivedAt: number;
}

/** A session's state right after the effects it last sent, persisted with them. */
export interface SessionState {
  readonly sessionId: string;
  /** The state as JSON text (serialised in the worker: the main thread stores it without parsing). */
  readonly snapshot: string;
  /** Per symbol, the seq of the last bus batch the snapshot includes (a restarted worker resumes after it). */
  readonly busSeq: Record<string, number>;
}

/** Views of a worker's sessions, each naming its session. */
export type SessionViews = { readonly sessionId: string; readonly view: SessionView }[];

/** What a hosted session tells the main thread. */
export type SessionMessage =
  /** The worker runs; its first view (`paused` when it was restored paused). */
  | { readonly type: "ready"; readonly view: SessionView }
  | {
    readonly type: "command_done";
    readonly requestId: number;
    /** JSON text of the state right after the command. */
    readonly snapshot: string;
    /** Per symbol, the seq of the last bus batch the snapshot includes. */
    readonly busSeq: Record<string, number>;
    readonly view: SessionView;
    readonly effects: SessionEffect[];
    /** What an `act` produced. */
    readonly result?: ActionResult;
  }
  /** The session threw: the worker dropped it (its neighbours go on); restart it from its durable state. */
  | { readonly type: "crashed"; readonly error: string }
  /** The session left the worker (answer to `drop`): nothing more comes from it. */
  | { readonly type: "dropped" }
  | {
    readonly type: "recover";
    readonly symbol: string;
    readonly from: number;
    readonly to: number;
  }
  | {
    readonly type: "bus_gap";
    readonly symbol: string;
    readonly from: number;
    readonly to: number;
  };
