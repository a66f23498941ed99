/**
 * Order placement and the end of an order: a validated order joins the book
 * and arrives at the simulated exchange after the latency; an ending order
 * releases its reservation and places its bracket children; a short at risk
 * of losing more than its lock is liquidated. Placing and filling call each
 * other (an order that arrives at once may fill; a filled bracket entry places
 * its exits), so this module and `fills.ts` import each other.
 */
import { marketOf } from "./account.ts";
import { worstCoverPrice } from "./costs.ts";
import { arrive } from "./fills.ts";
import { compact, emitOrder } from "./_order.ts";
import { structuralError, validate } from "./validation.ts";
import type { Account, ExecEvent, Order, OrderRequest, PositionState, Side } from "./types.ts";

function buildOrder(account: Account, request: OrderRequest, now: number): Order {
  const r = request;
  const order: Order = {
    id: `o${account.next_order++}`,
    symbol: typeof r.symbol === "string" ? r.symbol.toUpperCase() : String(r.symbol),
    side: r.side,
    type: r.type,
    quantity: r.quantity,
    time_in_force: r.time_in_force ?? "GTC",
    post_only: r.post_only ?? false,
    reduce_only: r.reduce_only ?? false,
    status: "new",
    filled_qty: 0,
    avg_price: 0,
    created_at: now,
    updated_at: now,
    active_at: now + account.config.latency_ms,
    arrived: false,
    triggered: false,
    trail_best: null,
    reserved: 0,
    fees: 0,
  };
  if (r.price !== undefined) order.price = r.price;
  if (r.stop_price !== undefined) order.stop_price = r.stop_price;
  if (r.type === "trailing_stop") order.stop_price = null;
  if (r.trail_percent !== undefined) order.trail_percent = r.trail_percent;
  if (r.trail_amount !== undefined) order.trail_amount = r.trail_amount;
  if (r.bracket !== undefined) order.bracket = { ...r.bracket };
  if (r.tag !== undefined) order.tag = r.tag;
  return order;
}

/** Options of {@link place}. */
interface PlaceOptions {
  parent_id?: string;
  oco_id?: string;
  /** Skip the latency (exchange-side orders such as liquidations). */
  immediate?: boolean;
}

function place(
  account: Account,
  request: OrderRequest,
  now: number,
  out: ExecEvent[],
  options: PlaceOptions = {},
): Order {
  const order = buildOrder(account, request, now);
  if (options.parent_id !== undefined) order.parent_id = options.parent_id;
  if (options.oco_id !== undefined) order.oco_id = options.oco_id;
  if (options.immediate) order.active_at = now;
  const structural = structuralError(request);
  const market = structural === null ? marketOf(account, order.symbol) : null;
  const reason = structural ?? validate(account, order, market!, now);
  if (reason !== null) {
    order.status = "rejected";
    order.reason = reason;
    order.reserved = 0;
    emitOrder(order, out);
    return order;
  }
  account.reserved += order.reserved;
  account.orders.push(order);
  emitOrder(order, out);
  if (order.active_at === now) arrive(account, order, now, out);
  return order;
}

/**
 * Submits an order at exchange time `now`. Rejections (invalid request, filter
 * violations, insufficient funds, short selling disabled, no market price) are
 * `rejected` order events, never exceptions. Appends every event to `out` and
 * returns the order as it stands after submission.
 */
export function submitOrder(
  account: Account,
  request: OrderRequest,
  now: number,
  out: ExecEvent[],
): Order {
  const order = place(account, request, now, out);
  compact(account);
  return order;
}

/**
 * Refuses an order before it reaches the book (a pre-trade risk check): a
 * `rejected` order event with `reason`, numbered like any order.
 */
export function rejectOrder(
  account: Account,
  request: OrderRequest,
  reason: string,
  now: number,
  out: ExecEvent[],
): Order {
  const order = buildOrder(account, request, now);
  order.status = "rejected";
  order.reason = reason;
  emitOrder(order, out);
  return order;
}

/**
 * Ends an open order with `status` (releasing its reservation) and emits the
 * event; a bracket entry with fills places its children.
 */
export function finish(
  account: Account,
  order: Order,
  status: "cancelled" | "rejected" | "expired",
  reason: string | null,
  now: number,
  out: ExecEvent[],
): void {
  order.status = status;
  if (reason !== null) order.reason = reason;
  order.updated_at = now;
  account.reserved -= order.reserved;
  order.reserved = 0;
  emitOrder(order, out);
  if (order.filled_qty > 0) placeChildren(account, order, now, out);
}

/** Places the stop-loss and take-profit children of a bracket entry for its filled quantity. */
export function placeChildren(account: Account, entry: Order, now: number, out: ExecEvent[]): void {
  const bracket = entry.bracket;
  if (bracket === undefined) return;
  const side: Side = entry.side === "buy" ? "sell" : "buy";
  const both = bracket.stop_loss !== undefined && bracket.take_profit !== undefined;
  const link = { parent_id: entry.id, ...(both ? { oco_id: `oco-${entry.id}` } : {}) };
  const prefix = entry.tag !== undefined ? `${entry.tag}.` : "";
  const base = { symbol: entry.symbol, side, quantity: entry.filled_qty, reduce_only: true };
  if (bracket.stop_loss !== undefined) {
    const request: OrderRequest = {
      ...base,
      type: "stop_market",
      stop_price: bracket.stop_loss,
      tag: `${prefix}stop_loss`,
    };
    place(account, request, now, out, link);
  }
  if (bracket.take_profit !== undefined) {
    const request: OrderRequest = {
      ...base,
      type: "limit",
      price: bracket.take_profit,
      tag: `${prefix}take_profit`,
    };
    place(account, request, now, out, link);
  }
}

/**
 * Liquidates a short whose cover at `price` (with taker fee and the maximum
 * slippage) would cost as much as its lock (twice the entry notional): an
 * immediate reduce-only market buy tagged `liquidation`. O(1) when nothing is due.
 */
export function checkLiquidation(
  account: Account,
  pos: PositionState,
  price: number,
  now: number,
  out: ExecEvent[],
): void {
  if (worstCoverPrice(account.config, price) < 2 * pos.avg_price) return;
  const request: OrderRequest = {
    symbol: pos.symbol,
    side: "buy",
    type: "market",
    quantity: -pos.quantity,
    reduce_only: true,
    tag: "liquidation",
  };
  place(account, request, now, out, { immediate: true });
}
