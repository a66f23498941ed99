/**
 * Turns klines into a documented synthetic trade sequence, so that kline data
 * runs through exactly the same session core as recorded trades.
 *
 * Each closed candle becomes four trades, in this order:
 *
 * | candle               | sequence                       |
 * | -------------------- | ------------------------------ |
 * | bullish (close ≥ open) | open → low → high → close    |
 * | bearish (close < open) | open → high → low → close    |
 *
 * at the times `openTime`, `openTime + ⌊d/3⌋`, `openTime + ⌊2d/3⌋` and
 * `closeTime` (d = closeTime − openTime + 1), each carrying a quarter of the
 * candle's volume. The candles the strategy aggregates from them have the
 * kline's exact open, high, low, close and volume; rules fire when the first
 * trade of the next candle closes a candle, so market orders fill at the next
 * candle's open (plus slippage), and resting stops and limits are checked
 * against the low and the high in the order above.
 *
 * @module
 */
import type { Candle, Trade } from "../types.ts";

/** Synthetic trades per candle. */
export const TRADES_PER_CANDLE = 4;

/**
 * Appends the synthetic trades of `candle` to `out`, numbered from `firstId`
 * (ids `firstId` … `firstId + 3`). Returns the next free id.
 */
export function candleTrades(candle: Candle, firstId: number, out: Trade[]): number {
  const { symbol, openTime, closeTime, open, high, low, close } = candle;
  const d = closeTime - openTime + 1;
  const bullish = close >= open;
  const prices = bullish ? [open, low, high, close] : [open, high, low, close];
  const times = [
    openTime,
    openTime + Math.floor(d / 3),
    openTime + Math.floor(2 * d / 3),
    closeTime,
  ];
  const qty = candle.volume / TRADES_PER_CANDLE;
  let previous = open;
  for (let k = 0; k < TRADES_PER_CANDLE; k++) {
    const price = prices[k];
    out.push({
      type: "trade",
      symbol,
      id: firstId + k,
      price,
      qty,
      time: times[k],
      buyerMaker: price < previous,
    });
    previous = price;
  }
  return firstId + TRADES_PER_CANDLE;
}
