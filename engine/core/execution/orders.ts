/**
 * Order entry and lifecycle: validation against symbol filters and funds,
 * arrival at the simulated exchange, taker fills, cancellation, brackets and
 * one-cancels-other.
 */
import { freeCash, marketOf, positionOf } from "./account.ts";
import { applyFill } from "./fill.ts";
import {
  feeRate,
  fundsNeeded,
  maxFeeRate,
  slippageBps,
  slippedPrice,
  worstCoverPrice,
  worstSlippageBps,
} from "./costs.ts";
import { fixDecimals, roundToStep } from "./filters.ts";
import type {
  Account,
  ExecEvent,
  MarketState,
  Order,
  OrderRequest,
  PositionState,
  Side,
} from "./types.ts";

const ORDER_TYPES = new Set([
  "market",
  "limit",
  "stop_market",
  "stop_limit",
  "take_profit",
  "trailing_stop",
]);

/** Formats an amount for a reason text (at most 8 decimals). */
export function amount(x: number): string {
  return String(Math.round(x * 1e8) / 1e8);
}

/** The open quantity of an order, at the symbol's step decimals. */
export function remainingQty(order: Order, market: MarketState): number {
  return fixDecimals(order.quantity - order.filled_qty, market.qty_scale);
}

/** Whether an order can still fill. */
export function isOpen(order: Order): boolean {
  return order.status === "new" || order.status === "partially_filled";
}

/** Whether an order waits for a trigger price. */
export function isStop(order: Order): boolean {
  return order.type === "stop_market" || order.type === "stop_limit" ||
    order.type === "take_profit" || order.type === "trailing_stop";
}

function emit(order: Order, out: ExecEvent[]): void {
  out.push({ type: "order", order: { ...order } });
}

/**
 * Reference price of a taker order: the best ask (buy) or bid (sell) when the
 * quote is at most `quote_max_age_ms` old at `now`, else the last trade price
 * (0 when no price is known).
 */
export function marketRef(account: Account, market: MarketState, side: Side, now: number): number {
  if (market.quote_time > 0 && now - market.quote_time <= account.config.quote_max_age_ms) {
    const quoted = side === "buy" ? market.ask : market.bid;
    if (quoted > 0) return quoted;
  }
  return market.last;
}

function validate(account: Account, order: Order, market: MarketState, now: number): string | null {
  const r = order;
  if (!(r.quantity > 0) || !Number.isFinite(r.quantity)) return `invalid quantity ${r.quantity}`;
  const needsPrice = r.type === "limit" || r.type === "stop_limit";
  if (needsPrice && !(Number(r.price) > 0)) {
    return `${r.type} order needs a price > 0, got ${r.price}`;
  }
  const needsStop = r.type === "stop_market" || r.type === "stop_limit" || r.type === "take_profit";
  if (needsStop && !(Number(r.stop_price) > 0)) {
    return `${r.type} order needs a stop_price > 0, got ${r.stop_price}`;
  }
  if (r.type === "trailing_stop") {
    const pct = r.trail_percent;
    const amt = r.trail_amount;
    if ((pct === undefined) === (amt === undefined)) {
      return "trailing_stop needs exactly one of trail_percent and trail_amount";
    }
    if (pct !== undefined && !(pct > 0 && pct < 100)) return `invalid trail_percent ${pct}`;
    if (amt !== undefined && !(amt > 0)) return `invalid trail_amount ${amt}`;
  }
  const raw = r.quantity;
  r.quantity = roundToStep(raw, market.step, market.qty_scale, "down");
  if (r.quantity <= 0) return `quantity ${raw} rounds to 0 at step size ${market.step}`;
  const buy = r.side === "buy";
  if (r.price !== undefined) {
    r.price = roundToStep(r.price, market.tick, market.price_scale, buy ? "down" : "up");
    if (r.price <= 0) return `price rounds to 0 at tick size ${market.tick}`;
  }
  if (typeof r.stop_price === "number") {
    r.stop_price = roundToStep(r.stop_price, market.tick, market.price_scale, "nearest");
  }
  const pos = positionOf(account, r.symbol);
  if (r.reduce_only) {
    const reducible = buy ? Math.max(0, -pos.quantity) : Math.max(0, pos.quantity);
    if (reducible === 0) return `reduce_only: no ${buy ? "short" : "long"} position to reduce`;
    r.quantity = Math.min(r.quantity, reducible);
  } else if (!buy && !account.config.allow_short && r.quantity > Math.max(0, pos.quantity)) {
    return `short selling disabled: sell ${r.quantity} exceeds long position ${
      Math.max(0, pos.quantity)
    }`;
  }
  const ref = referencePrice(account, r, market, now);
  if (r.type === "market" && ref === 0) return "no market price";
  if (ref > 0 && r.quantity * ref < market.min_notional) {
    return `notional ${amount(r.quantity * ref)} below min notional ${market.min_notional}`;
  }
  const need = ref > 0 ? fundsNeeded(pos, r.side, r.quantity, ref, maxFeeRate(account.config)) : 0;
  const free = freeCash(account);
  if (need > free && !r.reduce_only) {
    return `insufficient funds: need ${amount(need)}, free ${amount(free)}`;
  }
  r.reserved = r.reduce_only ? 0 : Math.max(0, need);
  return null;
}

/** Price used for min notional and reservations: limit, stop, or market (with the slippage bound). */
function referencePrice(account: Account, order: Order, market: MarketState, now: number): number {
  if (order.price !== undefined) return order.price;
  if (typeof order.stop_price === "number") return order.stop_price;
  const ref = marketRef(account, market, order.side, now);
  if (order.type !== "market" || order.side === "sell") return ref;
  return slippedPrice(ref, "buy", worstSlippageBps(account.config));
}

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

function structuralError(request: OrderRequest): string | null {
  if (typeof request.symbol !== "string" || request.symbol.length === 0) {
    return `invalid symbol ${JSON.stringify(request.symbol)}`;
  }
  if (request.side !== "buy" && request.side !== "sell") {
    return `invalid side ${JSON.stringify(request.side)}`;
  }
  if (!ORDER_TYPES.has(request.type)) return `invalid order type ${JSON.stringify(request.type)}`;
  const tif = request.time_in_force;
  if (tif !== undefined && tif !== "GTC" && tif !== "IOC") {
    return `invalid time_in_force ${JSON.stringify(tif)}`;
  }
  return null;
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
    emit(order, out);
    return order;
  }
  account.reserved += order.reserved;
  account.orders.push(order);
  emit(order, out);
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
  emit(order, out);
  if (order.filled_qty > 0) placeChildren(account, order, now, out);
}

function placeChildren(account: Account, entry: Order, now: number, out: ExecEvent[]): void {
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
 * Fills up to `qty` of `order` at `price`, clipped to what reduce-only, the
 * short rule and free funds allow; ends the order when nothing is allowed.
 * Emits the fill and the order events; returns the quantity filled.
 */
export function executeFill(
  account: Account,
  order: Order,
  fill: { qty: number; price: number; liquidity: "maker" | "taker"; ref: number; now: number },
  out: ExecEvent[],
): number {
  const market = account.markets[order.symbol];
  const pos = positionOf(account, order.symbol);
  const buy = order.side === "buy";
  let qty = fill.qty;
  if (order.reduce_only) {
    qty = Math.min(qty, buy ? Math.max(0, -pos.quantity) : Math.max(0, pos.quantity));
    if (qty <= 0) {
      finish(account, order, "cancelled", "reduce_only: position already closed", fill.now, out);
      return 0;
    }
  } else if (!buy && !account.config.allow_short) {
    qty = Math.min(qty, Math.max(0, pos.quantity));
    if (qty <= 0) {
      finish(
        account,
        order,
        "cancelled",
        "short selling disabled: no long position",
        fill.now,
        out,
      );
      return 0;
    }
  }
  const rate = feeRate(account.config, fill.liquidity);
  const need = fundsNeeded(pos, order.side, qty, fill.price, rate);
  const free = freeCash(account);
  const remaining = remainingQty(order, market);
  const share = qty >= remaining ? order.reserved : order.reserved * qty / remaining;
  // When the pro-rata share of the reservation does not cover the fill, the
  // fill takes the whole reservation and the rest of the order keeps none.
  const takesAll = need > free + share && !order.reduce_only;
  if (takesAll && need > free + order.reserved) {
    const available = free + order.reserved;
    const clipped = roundToStep(qty * available / need, market.step, market.qty_scale, "down");
    if (!(clipped > 0)) {
      const status = order.filled_qty > 0 ? "cancelled" : "rejected";
      const reason = `insufficient funds: need ${amount(need)}, free ${amount(available)}`;
      finish(account, order, status, reason, fill.now, out);
      return 0;
    }
    qty = clipped;
  }
  const slippage = Math.abs(fill.price - fill.ref) * qty;
  const spec = { qty, price: fill.price, liquidity: fill.liquidity, slippage, time: fill.now };
  applyFill(account, order, spec, out);
  if (takesAll) {
    account.reserved -= order.reserved;
    order.reserved = 0;
  }
  emit(order, out);
  if (order.status === "filled") completed(account, order, fill.now, out);
  return qty;
}

function completed(account: Account, order: Order, now: number, out: ExecEvent[]): void {
  if (order.oco_id !== undefined) {
    for (const other of account.orders) {
      if (other.oco_id === order.oco_id && other !== order && isOpen(other)) {
        finish(account, other, "cancelled", `OCO: ${order.id} filled`, now, out);
      }
    }
  }
  placeChildren(account, order, now, out);
}

/** Fills the open remainder of `order` as taker at `ref` plus slippage (rounded against the trader). */
export function takerFill(
  account: Account,
  order: Order,
  ref: number,
  now: number,
  out: ExecEvent[],
): void {
  const market = account.markets[order.symbol];
  const qty = remainingQty(order, market);
  const bps = slippageBps(account.config, market, qty);
  const buy = order.side === "buy";
  const raw = slippedPrice(ref, order.side, bps);
  const rounded = roundToStep(raw, market.tick, market.price_scale, buy ? "up" : "down");
  const price = rounded > 0 ? rounded : market.tick;
  executeFill(account, order, { qty, price, liquidity: "taker", ref, now }, out);
  if (isOpen(order)) finish(account, order, "expired", "market remainder not filled", now, out);
}

/**
 * A limit order reaching the book: marketable (buy limit ≥ fresh ask, or
 * strictly above the last trade without a fresh quote) fills as taker at the
 * better price, unless post-only (rejected); IOC remainders expire; the rest rests.
 */
export function limitArrival(account: Account, order: Order, now: number, out: ExecEvent[]): void {
  const market = account.markets[order.symbol];
  const limit = order.price!;
  const buy = order.side === "buy";
  let ref = 0;
  let marketable = false;
  const fresh = market.quote_time > 0 && now - market.quote_time <= account.config.quote_max_age_ms;
  if (fresh && (buy ? market.ask : market.bid) > 0) {
    ref = buy ? market.ask : market.bid;
    marketable = buy ? limit >= ref : limit <= ref;
  } else if (market.last > 0) {
    ref = market.last;
    marketable = buy ? limit > ref : limit < ref;
  }
  if (marketable && order.post_only) {
    const reason = `post_only: limit ${limit} would take liquidity at ${ref}`;
    finish(account, order, "rejected", reason, now, out);
    return;
  }
  if (marketable) {
    const qty = remainingQty(order, market);
    executeFill(account, order, { qty, price: ref, liquidity: "taker", ref, now }, out);
  }
  if (order.time_in_force === "IOC" && isOpen(order)) {
    finish(account, order, "expired", "IOC remainder expired", now, out);
  }
}

/** Recomputes a trailing stop's level from its best price. */
export function trail(order: Order, market: MarketState, best: number): void {
  order.trail_best = best;
  const sell = order.side === "sell";
  const distance = order.trail_percent !== undefined
    ? best * order.trail_percent / 100
    : order.trail_amount!;
  const level = sell ? best - distance : best + distance;
  order.stop_price = roundToStep(level, market.tick, market.price_scale, "nearest");
}

/** An order reaches the simulated exchange at `now`. */
export function arrive(account: Account, order: Order, now: number, out: ExecEvent[]): void {
  order.arrived = true;
  const market = account.markets[order.symbol];
  if (order.type === "market") {
    const ref = marketRef(account, market, order.side, now);
    if (ref > 0) takerFill(account, order, ref, now, out);
    else finish(account, order, "rejected", "no market price", now, out);
  } else if (order.type === "limit") {
    limitArrival(account, order, now, out);
  } else if (order.type === "trailing_stop" && market.last > 0) {
    trail(order, market, market.last);
  }
}

/** Cancels an open order; false when no open order has that id. */
export function cancelOrder(
  account: Account,
  orderId: string,
  now: number,
  out: ExecEvent[],
): boolean {
  const order = account.orders.find((o) => o.id === orderId && isOpen(o));
  if (order === undefined) return false;
  finish(account, order, "cancelled", null, now, out);
  compact(account);
  return true;
}

/** Cancels every open order of `symbol` (including bracket children placed meanwhile). */
export function cancelAll(account: Account, symbol: string, now: number, out: ExecEvent[]): void {
  const upper = symbol.toUpperCase();
  for (let i = 0; i < account.orders.length; i++) {
    const order = account.orders[i];
    if (order.symbol === upper && isOpen(order)) {
      finish(account, order, "cancelled", null, now, out);
    }
  }
  compact(account);
}

/** Drops ended orders from the open list, in place; clears rounding residue when none is left. */
export function compact(account: Account): void {
  const orders = account.orders;
  let kept = 0;
  for (let i = 0; i < orders.length; i++) {
    if (isOpen(orders[i])) orders[kept++] = orders[i];
  }
  orders.length = kept;
  if (kept === 0) account.reserved = 0;
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
