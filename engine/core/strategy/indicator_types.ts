/**
 * The indicator registry: for each DSL indicator type, its outputs, what it
 * reads, how many inputs it needs before its first value, and a factory for
 * its streaming implementation. Parameters arrive validated (their schemas are
 * in `indicator_schemas.ts`), so nothing here loads validation code.
 *
 * @module
 */

import type { Indicator } from "./indicator.ts";
import type { IndicatorParams } from "./indicator_schemas.ts";
import {
  Adx,
  Atr,
  Bollinger,
  Cci,
  Dema,
  Ema,
  Macd,
  Obv,
  Roc,
  Rsi,
  Sma,
  Stoch,
  Vwap,
  Wma,
  ZScore,
} from "./indicators.ts";

/** How a registered indicator type reads, what it outputs and how it is built. */
export interface IndicatorType<P> {
  /** Output names; a single output is referenced by the indicator's name alone. */
  readonly outputs: readonly string[];
  /** `series`: reads `source` or `input`; `candles`: reads whole candles. */
  readonly reads: "series" | "candles";
  /** Inputs consumed up to and including the first value. */
  needed(params: P): number;
  /** Creates a fresh streaming instance. */
  create(params: P): Indicator;
}

/** The validated parameters of indicator type `T`. */
type ParamsOf<T extends IndicatorParams["type"]> = Extract<IndicatorParams, { type: T }>;

const bbands: IndicatorType<ParamsOf<"BBANDS" | "BOLLINGER">> = {
  outputs: ["upper", "middle", "lower"],
  reads: "series",
  needed: (p) => p.period,
  create: (p) => new Bollinger(p.period, p.stddev),
};

/** Every indicator type by its DSL name (BBANDS and BOLLINGER are one type). */
export const INDICATOR_TYPES: {
  readonly [T in IndicatorParams["type"]]: IndicatorType<ParamsOf<T>>;
} = {
  SMA: {
    outputs: ["value"],
    reads: "series",
    needed: (p) => p.period,
    create: (p) => new Sma(p.period),
  },
  EMA: {
    outputs: ["value"],
    reads: "series",
    needed: (p) => p.period,
    create: (p) => new Ema(p.period),
  },
  WMA: {
    outputs: ["value"],
    reads: "series",
    needed: (p) => p.period,
    create: (p) => new Wma(p.period),
  },
  DEMA: {
    outputs: ["value"],
    reads: "series",
    needed: (p) => 2 * p.period - 1,
    create: (p) => new Dema(p.period),
  },
  RSI: {
    outputs: ["value"],
    reads: "series",
    needed: (p) => p.period + 1,
    create: (p) => new Rsi(p.period),
  },
  MACD: {
    outputs: ["macd", "signal", "histogram"],
    reads: "series",
    needed: (p) => p.slow + p.signal - 1,
    create: (p) => new Macd(p.fast, p.slow, p.signal),
  },
  BBANDS: bbands,
  BOLLINGER: bbands,
  ATR: {
    outputs: ["value"],
    reads: "candles",
    needed: (p) => p.period,
    create: (p) => new Atr(p.period),
  },
  STOCH: {
    outputs: ["k", "d"],
    reads: "candles",
    needed: (p) => p.k_period + p.k_smoothing + p.d_period - 2,
    create: (p) => new Stoch(p.k_period, p.k_smoothing, p.d_period),
  },
  ADX: {
    outputs: ["value"],
    reads: "candles",
    needed: (p) => 2 * p.period,
    create: (p) => new Adx(p.period),
  },
  CCI: {
    outputs: ["value"],
    reads: "candles",
    needed: (p) => p.period,
    create: (p) => new Cci(p.period),
  },
  OBV: {
    outputs: ["value"],
    reads: "candles",
    needed: () => 1,
    create: () => new Obv(),
  },
  VWAP: {
    outputs: ["value"],
    reads: "candles",
    needed: () => 1,
    create: () => new Vwap(),
  },
  ROC: {
    outputs: ["value"],
    reads: "series",
    needed: (p) => p.period + 1,
    create: (p) => new Roc(p.period),
  },
  ZSCORE: {
    outputs: ["value"],
    reads: "series",
    needed: (p) => p.period,
    create: (p) => new ZScore(p.period),
  },
};

/** Name of a registered indicator type. */
export type IndicatorTypeName = keyof typeof INDICATOR_TYPES;

/** Looks up an indicator type by name (undefined when unknown). */
export function indicatorType(name: unknown): IndicatorType<IndicatorParams> | undefined {
  return typeof name === "string" && Object.hasOwn(INDICATOR_TYPES, name)
    ? INDICATOR_TYPES[name as IndicatorTypeName] as unknown as IndicatorType<IndicatorParams>
    : undefined;
}
