/**
 * Applying one fill to an account: cash, fees, position, round trips and the
 * order's progress. Pure bookkeeping; the caller decides price and quantity.
 */
import { feeRate } from "./costs.ts";
import { fixDecimals } from "./filters.ts";
import { markPosition, positionOf, snapshotPosition } from "./account.ts";
import type { Account, ClosedTrade, ExecEvent, Order, PositionState } from "./types.ts";

/** Options of {@link applyFill}. */
export interface FillSpec {
  qty: number;
  price: number;
  liquidity: "maker" | "taker";
  /** Quote-currency cost versus the reference price. */
  slippage: number;
  time: number;
}

/**
 * Books a fill of `order`: appends `fill` (and `trade_closed` when the
 * position returns to flat or flips) to `out`, updates the order's progress and
 * releases its reservation pro rata. Emits no order event.
 */
export function applyFill(account: Account, order: Order, spec: FillSpec, out: ExecEvent[]): void {
  const { qty, price, time } = spec;
  const market = account.markets[order.symbol];
  const scale = market.qty_scale;
  const fee = qty * price * feeRate(account.config, spec.liquidity);
  const pos = positionOf(account, order.symbol);
  const dir = order.side === "buy" ? 1 : -1;
  const q0 = pos.quantity;
  const closeQty = q0 * dir < 0 ? Math.min(qty, Math.abs(q0)) : 0;
  const openQty = fixDecimals(qty - closeQty, scale);
  const closeFee = fee * closeQty / qty;

  account.cash += dir === 1 ? -(qty * price + fee) : qty * price - fee;
  account.totals.fees += fee;
  account.totals.slippage += spec.slippage;
  account.totals.fills++;

  let closed: ClosedTrade | null = null;
  if (closeQty > 0) {
    const realized = (price - pos.avg_price) * closeQty * (q0 > 0 ? 1 : -1);
    pos.realized_pnl += realized;
    account.totals.realized += realized;
    pos.trip_exit_qty += closeQty;
    pos.trip_exit_value += closeQty * price;
    pos.trip_fees += closeFee;
    pos.trip_realized += realized;
    pos.quantity = fixDecimals(q0 + dir * closeQty, scale);
    if (pos.quantity === 0) closed = closeTrip(account, pos, time);
  }
  if (openQty > 0) {
    const held = Math.abs(pos.quantity);
    if (held === 0) {
      pos.avg_price = price;
      pos.trip_side = dir === 1 ? "long" : "short";
      pos.trip_entry_time = time;
      pos.trip_entry_qty = 0;
      pos.trip_entry_value = 0;
      pos.trip_exit_qty = 0;
      pos.trip_exit_value = 0;
      pos.trip_fees = 0;
      pos.trip_realized = 0;
    } else {
      pos.avg_price = (held * pos.avg_price + openQty * price) / (held + openQty);
    }
    pos.trip_entry_qty += openQty;
    pos.trip_entry_value += openQty * price;
    pos.trip_fees += fee - closeFee;
    pos.quantity = fixDecimals(pos.quantity + dir * openQty, scale);
  }
  markPosition(pos, pos.mark_price === 0 ? price : pos.mark_price);

  const remainingBefore = order.quantity - order.filled_qty;
  const filled = fixDecimals(order.filled_qty + qty, scale);
  order.avg_price = (order.avg_price * order.filled_qty + price * qty) / filled;
  order.filled_qty = filled;
  order.fees += fee;
  order.updated_at = time;
  order.status = filled >= order.quantity ? "filled" : "partially_filled";
  const release = order.status === "filled"
    ? order.reserved
    : order.reserved * Math.min(1, qty / remainingBefore);
  order.reserved -= release;
  account.reserved -= release;

  const fill = {
    id: `f${account.next_fill++}`,
    order_id: order.id,
    symbol: order.symbol,
    side: order.side,
    price,
    quantity: qty,
    fee,
    liquidity: spec.liquidity,
    slippage: spec.slippage,
    time,
    ...(order.tag !== undefined ? { tag: order.tag } : {}),
  };
  out.push({ type: "fill", fill, position: snapshotPosition(pos) });
  if (closed !== null) out.push({ type: "trade_closed", trade: closed });
}

function closeTrip(account: Account, pos: PositionState, time: number): ClosedTrade {
  const trade: ClosedTrade = {
    id: `t${account.next_trade++}`,
    symbol: pos.symbol,
    side: pos.trip_side ?? "long",
    entry_time: pos.trip_entry_time,
    exit_time: time,
    entry_price: pos.trip_entry_value / pos.trip_entry_qty,
    exit_price: pos.trip_exit_value / pos.trip_exit_qty,
    quantity: pos.trip_entry_qty,
    pnl: pos.trip_realized - pos.trip_fees,
    fees: pos.trip_fees,
  };
  pos.avg_price = 0;
  pos.trip_side = null;
  return trade;
}
