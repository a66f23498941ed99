/**
 * The CPU one fill costs, on one thread, without the runtime around it: the
 * session's step on the trade that fills (signal, order, fill, position,
 * equity), the JSON text of its effects as a worker writes it and the main
 * thread reads it, and the JSON text of the state after it (the snapshot).
 * Every session of `tick_to_trade_p99_100_sessions` pays this on the same
 * trade: 100 times this figure, shared by the machine's cores, is the least
 * time the last of those fills can take before any message or thread switch.
 *
 * @module
 */
import { SessionCore, type SessionEffect } from "../engine/core/session/mod.ts";
import { resolveExecutionConfig } from "../engine/core/execution/mod.ts";
import { effectiveLimits } from "../engine/core/risk/limits.ts";
import { WARMUP_STRATEGY } from "../engine/runtime/session_warmup.ts";
import { withResumePoint } from "../engine/runtime/resume_point.ts";
import type { Trade } from "../engine/core/types.ts";
import { type Benchmark, type Figure, summarise } from "./figure.ts";

/** Sessions stepped side by side, as in `tick_to_trade_p99_100_sessions`. */
const SESSIONS = 100;
/** Trades per 1-second candle, one exchange millisecond apart (the benchmark feed's pace). */
const TRADES_PER_CANDLE = 1_000;
const T0 = 1_800_000_000_000;

/** The CPU (µs per session) of each part of one fill, for every fill candle after the first `skip`. */
interface FillCosts {
  readonly step: number[];
  readonly effects: number[];
  readonly state: number[];
}

function trade(i: number): Trade {
  return {
    type: "trade",
    symbol: "BTCUSDT",
    id: i + 1,
    price: 100 + Math.sin(i / 50),
    qty: 1,
    time: T0 + i,
    buyerMaker: i % 2 === 0,
  };
}

/**
 * Steps {@link SESSIONS} sessions (in on every candle, out on the next)
 * through `candles` candles; times the parts of each fill, per session, for
 * the candles after the first `skip` (the JIT has compiled the fill by then).
 */
function fillCosts(candles: number, skip: number): FillCosts {
  const execution = resolveExecutionConfig();
  const risk = effectiveLimits(WARMUP_STRATEGY.risk);
  const sessions = Array.from(
    { length: SESSIONS },
    () => new SessionCore({ symbol: "BTCUSDT", strategy: WARMUP_STRATEGY, execution, risk }),
  );
  const outs = sessions.map((): SessionEffect[] => []);
  const costs: FillCosts = { step: [], effects: [], state: [] };
  const perSession = (ms: number) => ms * 1000 / SESSIONS;
  let parsed = 0;
  for (let i = 0; i < candles * TRADES_PER_CANDLE; i++) {
    const next = trade(i);
    const t0 = performance.now();
    for (let s = 0; s < SESSIONS; s++) sessions[s].step(next, outs[s]);
    if (i % TRADES_PER_CANDLE !== 0 || i < skip * TRADES_PER_CANDLE) {
      for (const out of outs) out.length = 0;
      continue;
    }
    const t1 = performance.now();
    for (const out of outs) parsed += JSON.parse(JSON.stringify(out)).length;
    const t2 = performance.now();
    for (const session of sessions) withResumePoint(session.state(), {});
    const t3 = performance.now();
    costs.step.push(perSession(t1 - t0));
    costs.effects.push(perSession(t2 - t1));
    costs.state.push(perSession(t3 - t2));
    for (const out of outs) out.length = 0;
  }
  if (parsed === 0) throw new Error("fill cost: the sessions never filled");
  return costs;
}

/** `fill_*_us`: the CPU of one fill per session, in parts and in all (medians over the fill candles). */
export const benchFillCost: Benchmark = ({ quick }) => {
  const costs = fillCosts(quick ? 60 : 400, quick ? 20 : 100);
  const us = (name: string, samples: number[]): Figure =>
    summarise(samples, { name, unit: "µs", better: "lower" });
  const total = costs.step.map((step, i) => step + costs.effects[i] + costs.state[i]);
  return Promise.resolve([
    us("fill_step_us_per_session", costs.step),
    us("fill_effects_json_us_per_session", costs.effects),
    us("fill_state_json_us_per_session", costs.state),
    us("fill_cpu_us_per_session", total),
  ]);
};

if (import.meta.main) {
  for (const figure of await benchFillCost({ quick: Deno.args.includes("--quick") })) {
    console.log(`${figure.name}: ${figure.median.toFixed(2)} ${figure.unit}`);
  }
}
