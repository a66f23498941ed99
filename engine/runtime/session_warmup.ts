/**
 * Readies a session worker's code for its first fills. A session fills at
 * most once per candle, so the code of a fill (signal, order, fill, position,
 * metrics, the state after it) runs a few hundred times a second in a whole
 * worker: left alone, the JIT compiles it fully only after some thousands of
 * fills, and until then every fill of every session takes two to three times
 * longer. A throwaway session run over synthetic trades, which fills on every
 * candle, gets there first: in small slices, one a turn of the worker's event
 * loop, so real sessions' messages and market data wait at most one slice
 * (about a millisecond once compiled). It shares nothing with the sessions
 * (their effects and states are unchanged).
 */
import { SessionCore, type SessionEffect } from "../core/session/mod.ts";
import type { ExecutionConfig } from "../core/execution/mod.ts";
import { effectiveLimits } from "../core/risk/limits.ts";
import type { Strategy } from "../core/strategy/schema.ts";
import { recordApplied, type ResumePoint, withResumePoint } from "./resume_point.ts";

/** Candles the throwaway session runs (one fill each): enough for the JIT's top tier. */
export const WARM_CANDLES = 3_000;
/** Candles per slice (a few ms of work): a slice is all that real work may wait for. */
const SLICE_CANDLES = 100;
/** The throwaway session's symbol (no real symbol is needed: it reads no bus). */
const SYMBOL = "WARMUP";
/** Exchange time of its first trade. */
const T0 = 1_000_000_000_000;
/** Id of its first trade (exchange trade ids run past 2^31). */
const FIRST_ID = 3_000_000_001;
/** Its trades per 1-second candle. */
const TRADES_PER_CANDLE = 3;

/**
 * In on every candle close when flat, out on the next: a fill per candle.
 * Written as validation gives it: the worker loads no validation code.
 */
export const WARMUP_STRATEGY: Strategy = {
  version: 1,
  name: "warmup",
  timeframe: "1s",
  indicators: {},
  entry: { long: { gt: ["close", 0] } },
  exit: { long: { gt: ["close", 0] } },
  risk: { max_open_positions: 1, cooldown_candles: 0 },
  sizing: { type: "fixed_notional", value: 50 },
  orders: { entry: { type: "market" }, exit: { type: "market" } },
};

/** A throwaway session and how far it got; {@link step} runs it on. */
export class Warmup {
  readonly #core: SessionCore;
  readonly #out: SessionEffect[] = [];
  readonly #resume: ResumePoint = {};
  #trade = 0;
  /** Fills so far. */
  fills = 0;

  /** Trades with `execution` (a hosted session's: the fills take the same paths). */
  constructor(execution: ExecutionConfig) {
    this.#core = new SessionCore({
      symbol: SYMBOL,
      strategy: WARMUP_STRATEGY,
      execution,
      risk: effectiveLimits(WARMUP_STRATEGY.risk),
    });
  }

  /** Runs `candles` more candles as a worker runs a session: each fill reported, its state serialised. */
  step(candles: number): void {
    const end = this.#trade + candles * TRADES_PER_CANDLE;
    for (; this.#trade < end; this.#trade++) {
      const i = this.#trade;
      // Numbers as market data has them (ids past 2^31, fractional sizes): the JIT learns the same kinds.
      const trade = {
        type: "trade",
        symbol: SYMBOL,
        id: FIRST_ID + i,
        price: 100 + Math.sin(i / 7),
        qty: 0.25 + (i % 4) / 2,
        time: T0 + Math.floor(i * 1_000 / TRADES_PER_CANDLE),
        buyerMaker: i % 2 === 0,
      } as const;
      this.#core.step(trade, this.#out);
      recordApplied(this.#resume, trade);
      if (this.#out.length === 0) continue;
      for (const effect of this.#out) if (effect.type === "fill") this.fills++;
      this.#out.length = 0;
      withResumePoint(this.#core.state(), this.#resume);
      this.#core.view();
    }
  }
}

/**
 * Runs a throwaway session over {@link WARM_CANDLES} candles, one slice per
 * turn of the event loop (real work queued meanwhile goes first). It only
 * saves time: settings it cannot trade with end it early, and never reach
 * the worker (an uncaught error would restart every session it hosts).
 * The promise settles, never rejecting, once the warm-up has ended.
 */
export function warmUpInSlices(execution: ExecutionConfig): Promise<void> {
  let left = WARM_CANDLES;
  let warmup: Warmup | undefined;
  return new Promise((ended) => {
    const slice = () => {
      try {
        warmup ??= new Warmup(execution);
        warmup.step(Math.min(SLICE_CANDLES, left));
      } catch {
        return ended();
      }
      left -= SLICE_CANDLES;
      if (left > 0) setTimeout(slice, 0);
      else ended();
    };
    setTimeout(slice, 0);
  });
}
