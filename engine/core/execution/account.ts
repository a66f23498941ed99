/**
 * Creating a paper account and reading its balances and positions.
 */
import type { ExecutionConfig } from "./config.ts";
import { filtersFor, scaleOf } from "./filters.ts";
import type { Account, MarketState, Order, Position, PositionState } from "./types.ts";

/** A fresh account holding `config.initial_cash` of the quote currency. */
export function createAccount(config: ExecutionConfig): Account {
  return {
    config,
    cash: config.initial_cash,
    reserved: 0,
    positions: {},
    orders: [],
    markets: {},
    next_order: 1,
    next_fill: 1,
    next_trade: 1,
    totals: { fees: 0, slippage: 0, realized: 0, fills: 0, dropped: 0 },
  };
}

/** The market state of `symbol`, created (with its filters) on first use. */
export function marketOf(account: Account, symbol: string): MarketState {
  const known = account.markets[symbol];
  if (known !== undefined) return known;
  const filters = filtersFor(symbol, account.config.filters?.[symbol]);
  const market: MarketState = {
    last: 0,
    last_time: 0,
    bid: 0,
    ask: 0,
    quote_time: 0,
    volume_ref: 0,
    tick: filters.tickSize,
    step: filters.stepSize,
    min_notional: filters.minNotional,
    price_scale: scaleOf(filters.tickSize),
    qty_scale: scaleOf(filters.stepSize),
  };
  account.markets[symbol] = market;
  return market;
}

/** The position state of `symbol`, created flat on first use. */
export function positionOf(account: Account, symbol: string): PositionState {
  const known = account.positions[symbol];
  if (known !== undefined) return known;
  const state: PositionState = {
    symbol,
    quantity: 0,
    avg_price: 0,
    realized_pnl: 0,
    unrealized_pnl: 0,
    mark_price: account.markets[symbol]?.last ?? 0,
    trip_side: null,
    trip_entry_time: 0,
    trip_entry_qty: 0,
    trip_entry_value: 0,
    trip_exit_qty: 0,
    trip_exit_value: 0,
    trip_fees: 0,
    trip_realized: 0,
  };
  account.positions[symbol] = state;
  return state;
}

/** Marks a position to `price` (plain data: never −0). */
export function markPosition(pos: PositionState, price: number): void {
  pos.mark_price = price;
  revalue(pos);
}

/**
 * The unrealized pnl of a position at its mark (plain data: never −0). It
 * takes the position only: a number handed to a call that is not inlined is
 * boxed (an allocation per trade where the trade path marks a position).
 */
export function revalue(pos: PositionState): void {
  // A store on each branch, not a number chosen by a condition: code that is
  // not fully optimised boxes such a number (an allocation per call).
  if (pos.quantity === 0) pos.unrealized_pnl = 0;
  else pos.unrealized_pnl = pos.quantity * (pos.mark_price - pos.avg_price) + 0;
}

/** A detached copy of the public fields of a position. */
export function snapshotPosition(state: PositionState): Position {
  return {
    symbol: state.symbol,
    quantity: state.quantity,
    avg_price: state.avg_price,
    realized_pnl: state.realized_pnl,
    unrealized_pnl: state.unrealized_pnl,
    mark_price: state.mark_price,
  };
}

/** Cash plus the market value of every position (a short counts negative). */
export function equity(account: Account): number {
  let value = account.cash;
  for (const symbol in account.positions) {
    const p = account.positions[symbol];
    if (p.quantity !== 0) value += p.quantity * p.mark_price;
  }
  return value;
}

/** Signed quantity held in `symbol` (upper case); allocation-free, for per-trade use. */
export function heldQuantity(account: Account, symbol: string): number {
  return account.positions[symbol]?.quantity ?? 0;
}

/**
 * Cash not reserved by open orders and not locked by short positions. A short
 * locks twice its entry notional: the sale proceeds plus a 100% margin.
 */
export function freeCash(account: Account): number {
  let locked = account.reserved;
  for (const symbol in account.positions) {
    const p = account.positions[symbol];
    if (p.quantity < 0) locked -= 2 * p.quantity * p.avg_price;
  }
  return account.cash - locked;
}

/** The position in `symbol` (a zero position if none). */
export function position(account: Account, symbol: string): Position {
  const state = account.positions[symbol.toUpperCase()];
  if (state !== undefined) return snapshotPosition(state);
  const mark = account.markets[symbol.toUpperCase()]?.last ?? 0;
  return {
    symbol: symbol.toUpperCase(),
    quantity: 0,
    avg_price: 0,
    realized_pnl: 0,
    unrealized_pnl: 0,
    mark_price: mark,
  };
}

/** Orders still open (pending arrival, resting, or waiting for their trigger). */
export function openOrders(account: Account): readonly Order[] {
  return account.orders;
}
