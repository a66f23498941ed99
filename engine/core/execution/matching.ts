/**
 * Market data into the account: the last price and quote, mark-to-market and
 * the liquidation check, then each open order live at a trade's time meets it
 * (arrival, triggers, resting fills: see `fills.ts`), and the L2 book.
 */
import type { BookTop, Level, Quote, Trade } from "../types.ts";
import { marketOf, revalue } from "./account.ts";
import { meetTrade } from "./fills.ts";
import { checkLiquidation } from "./placement.ts";
import { compact, isOpen } from "./_order.ts";
import type { Account, ExecEvent, MarketState, PositionState } from "./types.ts";
import { usableTrade } from "../market/event_validator.ts";

/**
 * Processes one trade: malformed trades (see {@link usableTrade}) are dropped
 * and counted in `account.totals.dropped`, the others go to {@link applyTrade}.
 */
export function onTrade(account: Account, trade: Trade, out: ExecEvent[]): void {
  if (!usableTrade(trade)) {
    account.totals.dropped++;
    return;
  }
  applyTrade(account, trade, out);
}

/**
 * Processes one trade already checked with {@link usableTrade}: updates the
 * last price and marks the position to market (O(1), allocation-free when no
 * order is open), then lets every open order of the symbol that is live at
 * the trade's time arrive, trigger or match.
 */
export function applyTrade(account: Account, trade: Trade, out: ExecEvent[]): void {
  const symbol = trade.symbol;
  applyTradeTo(account, marketOf(account, symbol), account.positions[symbol], trade, out);
}

/**
 * {@link applyTrade} with the trade's market state and position (undefined
 * while the account has none) at hand, for a caller that keeps them.
 */
export function applyTradeTo(
  account: Account,
  market: MarketState,
  pos: PositionState | undefined,
  trade: Trade,
  out: ExecEvent[],
): void {
  const price = trade.price;
  market.last = price;
  market.last_time = trade.time;
  foldVolumeRef(market, trade);
  if (pos !== undefined) {
    pos.mark_price = price;
    revalue(pos);
    if (pos.quantity < 0) checkLiquidation(account, pos, price, trade.time, out);
  }
  if (account.orders.length > 0) meetOrders(account, market, trade, out);
}

/**
 * Folds a trade into a reference volume: the first trade's size, then an
 * exponential average of trade sizes (weight 1 %), which scales the impact of
 * taker fills. Objects in, a store on each branch: a number handed to or
 * returned from a call, or chosen by a condition, is boxed where code is not
 * fully optimised.
 */
export function foldVolumeRef(
  into: { volume_ref: number },
  trade: Readonly<Pick<Trade, "qty">>,
): void {
  const ref = into.volume_ref;
  if (ref === 0) into.volume_ref = trade.qty;
  else into.volume_ref = ref + 0.01 * (trade.qty - ref);
}

/** Lets every open order of the trade's symbol that is live at its time meet it. */
function meetOrders(account: Account, market: MarketState, trade: Trade, out: ExecEvent[]): void {
  const symbol = trade.symbol;
  const orders = account.orders;
  const n = orders.length;
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

/** Whether `levels` are valid and strictly ordered best first (descending for bids). */
function orderedLevels(levels: readonly Level[], descending: boolean): boolean {
  let previous = descending ? Infinity : 0;
  for (const [price, qty] of levels) {
    if (!(price > 0 && price < Infinity && qty > 0 && qty < Infinity)) return false;
    if (descending ? price >= previous : price <= previous) return false;
    previous = price;
  }
  return true;
}

/**
 * Records the top of a symbol's L2 book (copied), which taker fills walk and
 * resting limits take their queue position from while fresh (see `book.ts`);
 * its best bid and ask also become the quote. Malformed books (bad or unordered
 * levels, crossed) are dropped and counted.
 */
export function onBook(account: Account, book: BookTop, _out: ExecEvent[]): void {
  const { bids, asks } = book;
  const crossed = bids.length > 0 && asks.length > 0 && bids[0][0] >= asks[0][0];
  if (
    crossed || !Number.isFinite(book.time) || !orderedLevels(bids, true) ||
    !orderedLevels(asks, false)
  ) {
    account.totals.dropped++;
    return;
  }
  const market = account.markets[book.symbol] ?? marketOf(account, book.symbol);
  const copy = (levels: readonly Level[]) => levels.map(([p, q]): Level => [p, q]);
  (account.books ??= {})[book.symbol] = { bids: copy(bids), asks: copy(asks), time: book.time };
  if (bids.length > 0 && asks.length > 0) {
    market.bid = bids[0][0];
    market.ask = asks[0][0];
    market.quote_time = book.time;
  }
}
