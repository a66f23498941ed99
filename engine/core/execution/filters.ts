/**
 * Symbol filters (tick size, step size, min notional) and the integer-safe
 * rounding that applies them.
 */
import type { SymbolFilters } from "../types.ts";

function pair(tickSize: number, stepSize: number, base: string, quote: string): SymbolFilters {
  return { tickSize, stepSize, minNotional: 5, base, quote };
}

/** Filters of common pairs (spot values at the time of writing). */
export const DEFAULT_FILTERS: Record<string, SymbolFilters> = {
  BTCUSDT: pair(0.01, 0.00001, "BTC", "USDT"),
  ETHUSDT: pair(0.01, 0.0001, "ETH", "USDT"),
  BNBUSDT: pair(0.01, 0.001, "BNB", "USDT"),
  SOLUSDT: pair(0.01, 0.001, "SOL", "USDT"),
  XRPUSDT: pair(0.0001, 0.1, "XRP", "USDT"),
  ADAUSDT: pair(0.0001, 0.1, "ADA", "USDT"),
  DOGEUSDT: pair(0.00001, 1, "DOGE", "USDT"),
};

const QUOTE_SUFFIXES = ["USDT", "USDC", "BTC", "ETH"];

/**
 * Filters of `symbol`: the known defaults (or a permissive fallback with tick
 * and step 1e-8, no min notional, base/quote split from a USDT/USDC/BTC/ETH
 * suffix), with `overrides` applied on top.
 */
export function filtersFor(symbol: string, overrides?: Partial<SymbolFilters>): SymbolFilters {
  const upper = symbol.toUpperCase();
  let base = upper;
  let quote = "";
  for (const suffix of QUOTE_SUFFIXES) {
    if (upper.length > suffix.length && upper.endsWith(suffix)) {
      base = upper.slice(0, -suffix.length);
      quote = suffix;
      break;
    }
  }
  const known = DEFAULT_FILTERS[upper] ??
    { tickSize: 1e-8, stepSize: 1e-8, minNotional: 0, base, quote };
  return { ...known, ...overrides };
}

/** Power of ten that makes `step` an integer (up to 1e15): fixes the decimals of a rounded value. */
export function scaleOf(step: number): number {
  let scale = 1;
  for (let d = 0; d < 15; d++) {
    const scaled = step * scale;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-9 * Math.max(1, scaled)) return scale;
    scale *= 10;
  }
  return scale;
}

/** Rounding direction of {@link roundToStep}. */
export type RoundMode = "down" | "up" | "nearest";

/**
 * Rounds `x` to a multiple of `step` without 0.1+0.2 drift: counts steps with a
 * small epsilon, then fixes the decimals with `scale` (from {@link scaleOf}).
 */
export function roundToStep(x: number, step: number, scale: number, mode: RoundMode): number {
  const steps = x / step;
  const n = mode === "down"
    ? Math.floor(steps + 1e-9)
    : mode === "up"
    ? Math.ceil(steps - 1e-9)
    : Math.round(steps);
  return fixDecimals(n * step, scale);
}

/** Rounds `x` to the decimals of `scale` (from {@link scaleOf}); never returns −0. */
export function fixDecimals(x: number, scale: number): number {
  return Math.round(x * scale) / scale + 0;
}
