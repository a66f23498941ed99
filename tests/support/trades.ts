/**
 * Trades for tests: single trades with plain defaults, and deterministic
 * streams (a seeded random walk with waves, so moving-average strategies
 * cross often).
 */
import type { Trade } from "../../engine/core/types.ts";

/** Where test time starts by default (epoch ms, 2023-11-14T22:13:20Z). */
export const T0 = 1_700_000_000_000;

/** A trade with `fields` over the defaults: BTCUSDT, price 100, quantity 1, buyer the taker. */
export function tradeOf(fields: Partial<Trade> & Pick<Trade, "id" | "time">): Trade {
  return {
    type: "trade",
    symbol: "BTCUSDT",
    price: 100,
    qty: 1,
    buyerMaker: false,
    ...fields,
  };
}

/** A trade of `symbol` at `price`, `ms` after {@link T0}. */
export function tradeAt(symbol: string, ms: number, price: number, id: number): Trade {
  return tradeOf({ symbol, time: T0 + ms, price, id });
}

/** Options of {@link waveTrades}. */
export interface WaveOptions {
  readonly symbol?: string;
  readonly count: number;
  readonly start?: number;
  /** Milliseconds between trades. */
  readonly stepMs?: number;
  readonly price?: number;
  readonly seed?: number;
}

/** A seeded stream of trades oscillating around `price`. */
export function waveTrades(options: WaveOptions): Trade[] {
  let seed = options.seed ?? 1;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const base = options.price ?? 100;
  const start = options.start ?? T0;
  const step = options.stepMs ?? 100;
  const trades: Trade[] = [];
  for (let i = 0; i < options.count; i++) {
    const wave = Math.sin(i / 40) * 0.02 + Math.sin(i / 170) * 0.03;
    const price = Math.round(base * (1 + wave + (random() - 0.5) * 0.002) * 100) / 100;
    trades.push({
      type: "trade",
      symbol: options.symbol ?? "BTCUSDT",
      id: i + 1,
      price,
      qty: Math.round((0.01 + random()) * 1000) / 1000,
      time: start + i * step,
      buyerMaker: random() < 0.5,
    });
  }
  return trades;
}
