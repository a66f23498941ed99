/**
 * Market data into the account: the last price and quote, mark-to-market and
 * the liquidation check, then each open order live at a trade's time meets it
 * (arrival, triggers, resting fills: see `fills.ts`).
 */
import type { Quote, Trade } from "../types.ts";
import { marketOf, markPosition } from "./account.ts";
import { meetTrade } from "./fills.ts";
import { checkLiquidation } from "./placement.ts";
import { compact, isOpen } from "./_order.ts";
import type { Account, ExecEvent } from "./types.ts";

/**
 * Processes one trade: updates the last price and marks the position to
 * market (O(1), allocation-free when no order is open), then lets every open
 * order of the symbol that is live at the trade's time arrive, trigger or
 * match. Malformed trades (non-finite, price ≤ 0, qty < 0) are dropped and
 * counted in `account.totals.dropped`.
 */
export function onTrade(account: Account, trade: Trade, out: ExecEvent[]): void {
  const price = trade.price;
  const qty = trade.qty;
  if (
    !(price > 0 && price < Infinity && qty >= 0 && qty < Infinity && Number.isFinite(trade.time))
  ) {
    account.totals.dropped++;
    return;
  }
  const symbol = trade.symbol;
  const market = account.markets[symbol] ?? marketOf(account, symbol);
  market.last = price;
  market.last_time = trade.time;
  market.volume_ref = market.volume_ref === 0
    ? qty
    : market.volume_ref + 0.01 * (qty - market.volume_ref);
  const pos = account.positions[symbol];
  if (pos !== undefined) {
    markPosition(pos, price);
    if (pos.quantity < 0) checkLiquidation(account, pos, price, trade.time, out);
  }
  const orders = account.orders;
  const n = orders.length;
  if (n === 0) return;
  for (let i = 0; i < n; i++) {
    const order = orders[i];
    if (order.symbol === symbol && isOpen(order) && trade.time >= order.active_at) {
      meetTrade(account, order, market, trade, out);
    }
  }
  compact(account);
}

/**
 * Records a best bid/ask (O(1)). Quotes only set the reference of taker fills
 * and marketability while fresh; they never fill resting orders. Malformed
 * quotes (non-finite, ≤ 0, crossed) are dropped and counted.
 */
export function onQuote(account: Account, quote: Quote, _out: ExecEvent[]): void {
  const { bid, ask } = quote;
  if (!(bid > 0 && ask >= bid && ask < Infinity && Number.isFinite(quote.time))) {
    account.totals.dropped++;
    return;
  }
  const market = account.markets[quote.symbol] ?? marketOf(account, quote.symbol);
  market.bid = bid;
  market.ask = ask;
  market.quote_time = quote.time;
}
