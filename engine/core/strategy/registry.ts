/**
 * The indicator registry: for each DSL indicator type, its parameter schema
 * (zod), outputs, how many inputs it needs before its first value, and a
 * factory for its streaming implementation.
 *
 * @module
 */

import { z } from "zod";
import { TIMEFRAMES } from "../types.ts";
import type { Indicator } from "./indicator.ts";
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
} from "./indicators.ts";

/** Price sources an indicator can read from a candle. */
export const SOURCES = ["close", "open", "high", "low", "hl2", "hlc3", "ohlc4", "volume"] as const;

/** One of {@link SOURCES}. */
export type Source = typeof SOURCES[number];

const period = (fallback?: number) => {
  const base = z.number().int().min(1).max(5000);
  return fallback === undefined ? base : base.default(fallback);
};

/** Fields every indicator may set. */
const common = { timeframe: z.enum(TIMEFRAMES).optional() };
/** Fields of indicators that read one series (a candle source or another indicator). */
const series = {
  ...common,
  source: z.enum(SOURCES).optional(),
  input: z.string().optional(),
};

/** How a registered indicator type reads, what it outputs and how it is built. */
export interface IndicatorType<P> {
  /** Zod schema of the indicator's document entry. */
  readonly schema: z.ZodType;
  /** Output names; a single output is referenced by the indicator's name alone. */
  readonly outputs: readonly string[];
  /** `series`: reads `source` or `input`; `candles`: reads whole candles. */
  readonly reads: "series" | "candles";
  /** Inputs consumed up to and including the first value. */
  needed(params: P): number;
  /** Creates a fresh streaming instance. */
  create(params: P): Indicator;
}

function define<S extends z.ZodType>(
  schema: S,
  spec: Omit<IndicatorType<z.infer<S>>, "schema">,
): IndicatorType<z.output<S>> & { schema: S } {
  return { schema, ...spec };
}

const sma = define(z.strictObject({ type: z.literal("SMA"), period: period(), ...series }), {
  outputs: ["value"],
  reads: "series",
  needed: (p) => p.period,
  create: (p) => new Sma(p.period),
});
const ema = define(z.strictObject({ type: z.literal("EMA"), period: period(), ...series }), {
  outputs: ["value"],
  reads: "series",
  needed: (p) => p.period,
  create: (p) => new Ema(p.period),
});
const wma = define(z.strictObject({ type: z.literal("WMA"), period: period(), ...series }), {
  outputs: ["value"],
  reads: "series",
  needed: (p) => p.period,
  create: (p) => new Wma(p.period),
});
const dema = define(z.strictObject({ type: z.literal("DEMA"), period: period(), ...series }), {
  outputs: ["value"],
  reads: "series",
  needed: (p) => 2 * p.period - 1,
  create: (p) => new Dema(p.period),
});
const rsi = define(z.strictObject({ type: z.literal("RSI"), period: period(14), ...series }), {
  outputs: ["value"],
  reads: "series",
  needed: (p) => p.period + 1,
  create: (p) => new Rsi(p.period),
});
const macd = define(
  z.strictObject({
    type: z.literal("MACD"),
    fast: period(12),
    slow: period(26),
    signal: period(9),
    ...series,
  }).refine((p) => p.fast < p.slow, {
    message: "fast period must be shorter than slow period",
    path: ["fast"],
  }),
  {
    outputs: ["macd", "signal", "histogram"],
    reads: "series",
    needed: (p) => p.slow + p.signal - 1,
    create: (p) => new Macd(p.fast, p.slow, p.signal),
  },
);
const bbands = define(
  z.strictObject({
    type: z.enum(["BBANDS", "BOLLINGER"]),
    period: period(20),
    stddev: z.number().positive().max(100).default(2),
    ...series,
  }),
  {
    outputs: ["upper", "middle", "lower"],
    reads: "series",
    needed: (p) => p.period,
    create: (p) => new Bollinger(p.period, p.stddev),
  },
);
const roc = define(z.strictObject({ type: z.literal("ROC"), period: period(10), ...series }), {
  outputs: ["value"],
  reads: "series",
  needed: (p) => p.period + 1,
  create: (p) => new Roc(p.period),
});
const atr = define(z.strictObject({ type: z.literal("ATR"), period: period(14), ...common }), {
  outputs: ["value"],
  reads: "candles",
  needed: (p) => p.period,
  create: (p) => new Atr(p.period),
});
const adx = define(z.strictObject({ type: z.literal("ADX"), period: period(14), ...common }), {
  outputs: ["value"],
  reads: "candles",
  needed: (p) => 2 * p.period,
  create: (p) => new Adx(p.period),
});
const stoch = define(
  z.strictObject({
    type: z.literal("STOCH"),
    k_period: period(5),
    k_smoothing: period(3),
    d_period: period(3),
    ...common,
  }),
  {
    outputs: ["k", "d"],
    reads: "candles",
    needed: (p) => p.k_period + p.k_smoothing + p.d_period - 2,
    create: (p) => new Stoch(p.k_period, p.k_smoothing, p.d_period),
  },
);
const cci = define(z.strictObject({ type: z.literal("CCI"), period: period(14), ...common }), {
  outputs: ["value"],
  reads: "candles",
  needed: (p) => p.period,
  create: (p) => new Cci(p.period),
});
const obv = define(z.strictObject({ type: z.literal("OBV"), ...common }), {
  outputs: ["value"],
  reads: "candles",
  needed: () => 1,
  create: () => new Obv(),
});
const vwap = define(
  z.strictObject({ type: z.literal("VWAP"), source: z.enum(SOURCES).default("hlc3"), ...common }),
  {
    outputs: ["value"],
    reads: "candles",
    needed: () => 1,
    create: () => new Vwap(),
  },
);

/** Every indicator type by its DSL name (BBANDS and BOLLINGER are one type). */
export const INDICATOR_TYPES = {
  SMA: sma,
  EMA: ema,
  WMA: wma,
  DEMA: dema,
  RSI: rsi,
  MACD: macd,
  BBANDS: bbands,
  BOLLINGER: bbands,
  ATR: atr,
  STOCH: stoch,
  ADX: adx,
  CCI: cci,
  OBV: obv,
  VWAP: vwap,
  ROC: roc,
} as const;

/** Name of a registered indicator type. */
export type IndicatorTypeName = keyof typeof INDICATOR_TYPES;

/** Looks up an indicator type by name (undefined when unknown). */
export function indicatorType(name: unknown): IndicatorType<IndicatorParams> | undefined {
  return typeof name === "string" && Object.hasOwn(INDICATOR_TYPES, name)
    ? INDICATOR_TYPES[name as IndicatorTypeName] as unknown as IndicatorType<IndicatorParams>
    : undefined;
}

/** Zod schema of one indicator entry (any registered type). */
export const indicatorSchema = z.discriminatedUnion("type", [
  sma.schema,
  ema.schema,
  wma.schema,
  dema.schema,
  rsi.schema,
  macd.schema,
  bbands.schema,
  atr.schema,
  stoch.schema,
  adx.schema,
  cci.schema,
  obv.schema,
  vwap.schema,
  roc.schema,
]);

/** A validated indicator entry. */
export type IndicatorParams = z.infer<typeof indicatorSchema>;
