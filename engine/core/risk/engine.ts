/**
 * The risk engine of a session: pre-trade checks on every order it is about
 * to submit, post-trade checks on every market trade and round trip, and the
 * session's trading state. Pure and deterministic: time is the exchange time
 * of the events, so a backtest halts on exactly the trade a live session does.
 * Nothing is allocated while no rule fires.
 *
 * @module
 */
import { equity } from "../execution/account.ts";
import { isOpen } from "../execution/_order.ts";
import type { Account, Side } from "../execution/types.ts";
import type { RiskLimits } from "./limits.ts";
import type { RiskEvent, RiskReason, RiskRule, RiskView, TradingState } from "./events.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The durable risk state of a session (plain JSON, part of the session snapshot). */
export interface RiskState {
  state: TradingState;
  reason: RiskReason | null;
  since: number;
  until: number | null;
  /** Equity peak (0 before the first trade). */
  peak: number;
  /** Start of the current loss window (-1 before the first trade). */
  window_start: number;
  /** Equity at the first trade of the loss window. */
  window_equity: number;
  /** Times of the last orders (a ring of `max_orders_per_minute` slots). */
  orders: number[];
  /** Next slot of the ring to overwrite once it is full. */
  order_head: number;
  /** Losing round trips in a row. */
  losses: number;
  /** Times of the stop-outs within the stop-out window. */
  stop_outs: number[];
}

/** A fresh risk state: active, nothing observed. */
export function initialRiskState(): RiskState {
  return {
    state: "active",
    reason: null,
    since: 0,
    until: null,
    peak: 0,
    window_start: -1,
    window_equity: 0,
    orders: [],
    order_head: 0,
    losses: 0,
    stop_outs: [],
  };
}

/** The API picture of a durable risk state (active when there is none). */
export function riskViewOf(state: RiskState | undefined): RiskView {
  if (state === undefined) {
    return { state: "active", reason: null, since: 0, until: null, peak: null };
  }
  return {
    state: state.state,
    reason: state.reason,
    since: state.since,
    until: state.until,
    peak: state.peak > 0 ? state.peak : null,
  };
}

/** Where risk events go (a session's effects). */
export interface RiskSink {
  push(event: RiskEvent): unknown;
}

/** An order the session is about to submit. */
export interface OrderIntent {
  readonly symbol: string;
  readonly side: Side;
  readonly quantity: number;
  /** The price it is valued at (limit, stop or last price). */
  readonly price: number;
  /** Whether it can only reduce a position (exits, reduce-only orders). */
  readonly reduce: boolean;
  readonly tag?: string;
}

/** What the session must do after a state change. */
export type RiskAction = "none" | "cancel_entries" | "flatten";

/** Whether a fill tag names a stop (a stop-loss bracket child or a trailing stop). */
export function isStopOut(tag: string | undefined): boolean {
  return tag !== undefined && (tag.endsWith("stop_loss") || tag.endsWith("trailing_stop"));
}

/** Enforces one session's limits (shared by every symbol of a portfolio session). */
export class RiskEngine {
  #limits: RiskLimits;
  readonly #state: RiskState;
  /** What the session owes after the last state change (taken with {@link takeAction}). */
  #action: RiskAction = "none";
  #watchEquity = false;
  /**
   * Whether {@link afterTrade} has anything to do (an equity rule, or a timed
   * state to end): a field the session reads on every trade instead of a call.
   */
  watching = false;

  constructor(limits: RiskLimits, state?: RiskState) {
    this.#state = state ? { ...initialRiskState(), ...structuredClone(state) } : initialRiskState();
    this.#limits = limits;
    this.setLimits(limits);
  }

  /** Replaces the limits (account-wide limits changed); the state and its counters stay. */
  setLimits(limits: RiskLimits): void {
    this.#limits = limits;
    // The order ring in time order from slot 0, at most as long as the new limit.
    const s = this.#state;
    if (s.order_head !== 0) {
      s.orders = [...s.orders.slice(s.order_head), ...s.orders.slice(0, s.order_head)];
      s.order_head = 0;
    }
    const max = limits.max_orders_per_minute;
    if (max !== undefined && s.orders.length > max) s.orders = s.orders.slice(-max);
    this.#watchEquity = limits.max_drawdown_percent !== undefined ||
      limits.daily_loss_percent !== undefined;
    this.watching = this.#watchEquity || this.#state.until !== null;
  }

  /** The current trading state. */
  get state(): TradingState {
    return this.#state.state;
  }

  /** The durable state, live (never change it; copy to keep). */
  durable(): RiskState {
    return this.#state;
  }

  /** The state for APIs. */
  view(): RiskView {
    return riskViewOf(this.#state);
  }

  /** What the session must do after the last state change, once (then "none"). */
  takeAction(): RiskAction {
    const action = this.#action;
    this.#action = "none";
    return action;
  }

  /**
   * Pre-trade check of an order about to be submitted at `time`: undefined
   * when it may go, else the refusal (also appended to `out`). Counts it
   * towards the order rate when it may go; the order one too many halts.
   */
  check(account: Account, order: OrderIntent, time: number, out: RiskSink): RiskEvent | undefined {
    this.#expire(time, out);
    const s = this.#state;
    const reduces = order.reduce || this.#reduces(account, order);
    if (s.state === "halted") {
      return this.#refuse(order, time, s.reason?.rule ?? "manual", "session halted", {}, out);
    }
    if (s.state === "reducing" && !reduces) {
      return this.#refuse(
        order,
        time,
        s.reason?.rule ?? "manual",
        "only orders that reduce a position are accepted",
        {},
        out,
      );
    }
    if (!reduces) {
      const refused = this.#exposure(account, order, time, out);
      if (refused) return refused;
    }
    const max = this.#limits.max_orders_per_minute;
    if (max !== undefined) {
      const ring = s.orders;
      if (ring.length >= max && time - ring[s.order_head] < MINUTE) {
        const values = { orders: ring.length + 1, limit: max, window_ms: MINUTE };
        const message = `${max + 1} orders within a minute (limit ${max})`;
        this.#enter("halted", "max_orders_per_minute", message, values, null, time, out);
        return this.#refuse(order, time, "max_orders_per_minute", message, values, out);
      }
      if (ring.length < max) ring.push(time);
      else {
        ring[s.order_head] = time;
        s.order_head = (s.order_head + 1) % max;
      }
    }
    return undefined;
  }

  /** Post-trade check after a market trade at `time` (drawdown, loss window, expiries). */
  afterTrade(account: Account, time: number, out: RiskSink): void {
    const s = this.#state;
    if (s.until !== null) this.#expire(time, out);
    if (!this.#watchEquity) return;
    const value = equity(account);
    if (value > s.peak) s.peak = value;
    const dd = this.#limits.max_drawdown_percent;
    if (dd !== undefined && value < s.peak * (1 - dd / 100) && this.#escalates("halted", null)) {
      const drawdown = (1 - value / s.peak) * 100;
      this.#enter(
        "halted",
        "max_drawdown",
        `drawdown ${round(drawdown)}% from the equity peak ${round(s.peak)} (limit ${dd}%)`,
        { equity: value, peak: s.peak, drawdown_percent: drawdown, limit_percent: dd },
        null,
        time,
        out,
      );
    }
    const loss = this.#limits.daily_loss_percent;
    if (loss === undefined) return;
    const span = (this.#limits.loss_window_hours ?? 24) * HOUR;
    const start = Math.floor(time / span) * span;
    if (start !== s.window_start) {
      s.window_start = start;
      s.window_equity = value;
    }
    const lost = s.window_equity - value;
    if (lost >= s.window_equity * loss / 100 && this.#escalates("halted", start + span)) {
      this.#enter(
        "halted",
        "daily_loss",
        `lost ${round(lost)} (${
          round(lost / s.window_equity * 100)
        }%) in the loss window (limit ${loss}%)`,
        {
          equity: value,
          window_equity: s.window_equity,
          loss: lost,
          loss_percent: lost / s.window_equity * 100,
          limit_percent: loss,
          window_start: start,
        },
        start + span,
        time,
        out,
      );
    }
  }

  /** Post-trade check after a round trip closed at `time` (loss streak, stop-outs). */
  afterRoundTrip(pnl: number, stopOut: boolean, time: number, out: RiskSink): void {
    const s = this.#state;
    const cooldown = (this.#limits.loss_cooldown_minutes ?? 60) * MINUTE;
    const streak = this.#limits.max_consecutive_losses;
    if (streak !== undefined) {
      s.losses = pnl < 0 ? s.losses + 1 : 0;
      if (s.losses >= streak) {
        const losses = s.losses;
        s.losses = 0;
        if (this.#escalates("reducing", time + cooldown)) {
          this.#enter(
            "reducing",
            "consecutive_losses",
            `${losses} losing round trips in a row (limit ${streak}): no new entries for ${
              cooldown / MINUTE
            } min`,
            { losses, limit: streak, pnl, cooldown_minutes: cooldown / MINUTE },
            time + cooldown,
            time,
            out,
          );
        }
      }
    }
    const stops = this.#limits.max_stop_outs;
    if (stops === undefined || !stopOut) return;
    const window = (this.#limits.stop_out_window_minutes ?? 60) * MINUTE;
    const times = s.stop_outs;
    times.push(time);
    while (times.length > 0 && times[0] <= time - window) times.shift();
    if (times.length < stops) return;
    const count = times.length;
    times.length = 0;
    if (!this.#escalates("reducing", time + cooldown)) return;
    this.#enter(
      "reducing",
      "stop_outs",
      `${count} stop-outs within ${window / MINUTE} min (limit ${stops}): no new entries for ${
        cooldown / MINUTE
      } min`,
      { stop_outs: count, limit: stops, window_minutes: window / MINUTE },
      time + cooldown,
      time,
      out,
    );
  }

  /**
   * An operator's (or the kill switch's) state change. Lifting to `active`
   * re-bases the drawdown peak and the loss window at the next trade. With
   * `only`, changes nothing unless the current state was set by that rule
   * (the kill switch lifts only its own halt). Returns whether it changed.
   */
  set(
    state: TradingState,
    rule: "manual" | "kill_switch",
    time: number,
    out: RiskSink,
    options: { flatten?: boolean; only?: RiskRule } = {},
  ): boolean {
    const s = this.#state;
    if (options.only !== undefined && s.reason?.rule !== options.only) return false;
    if (s.state === state && s.reason?.rule === rule && !options.flatten) return false;
    if (state === "active") {
      s.peak = 0;
      s.window_start = -1;
    }
    const message = state === "active"
      ? `trading resumed (${rule === "kill_switch" ? "kill switch lifted" : "by an operator"})`
      : `${state} ${rule === "kill_switch" ? "by the account kill switch" : "by an operator"}`;
    this.#enter(state, rule, message, {}, null, time, out, options.flatten);
    return true;
  }

  /** Whether moving to `state` (ending at `until`, null never) is stricter or longer than now. */
  #escalates(state: TradingState, until: number | null): boolean {
    const s = this.#state;
    if (s.state === "active") return true;
    if (s.state === "reducing" && state === "halted") return true;
    if (s.state !== state || s.until === null) return false;
    return until === null || until > s.until;
  }

  /** Returns to active when a timed state has run out. */
  #expire(time: number, out: RiskSink): void {
    const s = this.#state;
    if (s.until === null || time < s.until) return;
    const rule = s.reason?.rule ?? "manual";
    const until = s.until;
    this.#enter(
      "active",
      rule,
      rule === "daily_loss" ? "the loss window ended" : "the cooldown ended",
      { ended_at: until },
      null,
      time,
      out,
    );
  }

  #enter(
    state: TradingState,
    rule: RiskRule,
    message: string,
    values: Record<string, number>,
    until: number | null,
    time: number,
    out: RiskSink,
    flatten?: boolean,
  ): void {
    const s = this.#state;
    const previous = s.state;
    const halts = state === "halted";
    const closes = halts && (flatten ?? this.#limits.flatten_on_halt ?? false);
    s.state = state;
    s.reason = { rule, message, values };
    s.since = time;
    s.until = until;
    this.watching = this.#watchEquity || until !== null;
    if (closes) this.#action = "flatten";
    else if (state !== "active" && this.#action === "none") this.#action = "cancel_entries";
    out.push({
      type: "risk",
      kind: "state",
      time,
      state,
      previous,
      rule,
      message,
      values,
      until,
      ...(closes ? { flatten: true } : {}),
    });
  }

  #refuse(
    order: OrderIntent,
    time: number,
    rule: RiskRule,
    message: string,
    values: Record<string, number>,
    out: RiskSink,
  ): RiskEvent {
    const event: RiskEvent = {
      type: "risk",
      kind: "refused",
      time,
      state: this.#state.state,
      rule,
      message,
      values,
      order: {
        symbol: order.symbol,
        side: order.side,
        quantity: order.quantity,
        price: order.price,
        ...(order.tag === undefined ? {} : { tag: order.tag }),
      },
    };
    out.push(event);
    return event;
  }

  /** Refuses an order that would take a position or the gross exposure past its limit. */
  #exposure(
    account: Account,
    order: OrderIntent,
    time: number,
    out: RiskSink,
  ): RiskEvent | undefined {
    const perSymbol = this.#limits.max_position_notional;
    const gross = this.#limits.max_gross_exposure;
    if (perSymbol === undefined && gross === undefined) return undefined;
    const symbol = order.symbol;
    let quantity = account.positions[symbol]?.quantity ?? 0;
    for (const o of account.orders) {
      if (o.symbol === symbol && isOpen(o) && !o.reduce_only) {
        quantity += (o.side === "buy" ? 1 : -1) * (o.quantity - o.filled_qty);
      }
    }
    quantity += (order.side === "buy" ? 1 : -1) * order.quantity;
    const notional = Math.abs(quantity) * order.price;
    if (perSymbol !== undefined && notional > perSymbol) {
      return this.#refuse(
        order,
        time,
        "max_position_notional",
        `${symbol} position would be ${round(notional)} (limit ${perSymbol})`,
        { notional, limit: perSymbol },
        out,
      );
    }
    if (gross === undefined) return undefined;
    let exposure = notional;
    for (const other in account.positions) {
      const p = account.positions[other];
      if (other !== symbol) exposure += Math.abs(p.quantity) * p.mark_price;
    }
    if (exposure <= gross) return undefined;
    return this.#refuse(
      order,
      time,
      "max_gross_exposure",
      `gross exposure would be ${round(exposure)} (limit ${gross})`,
      { exposure, limit: gross },
      out,
    );
  }

  /** Whether an order only reduces the position it trades against. */
  #reduces(account: Account, order: OrderIntent): boolean {
    const held = account.positions[order.symbol]?.quantity ?? 0;
    return held !== 0 && (held > 0) === (order.side === "sell") &&
      order.quantity <= Math.abs(held) + 1e-12;
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
