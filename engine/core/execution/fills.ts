/**
 * Fill-time logic: an order arriving at the simulated exchange, meeting a
 * trade (stop triggers, trailing stop levels, resting limits and their queue
 * position), taker fills at the reference price plus slippage or walking the
 * L2 book (see `book.ts`), marketable limits, and the clipping of
 * every fill to what reduce-only, the short rule and free funds allow before
 * it is booked.
 */
import { freeCash, positionOf } from "./account.ts";
import { applyFill } from "./booking.ts";
import { freshBook, visibleAt, walkBook } from "./book.ts";
import { feeRate, fundsNeeded, slippageBps, slippedPrice } from "./costs.ts";
import { fixDecimals, roundToStep } from "./filters.ts";
import { finish, placeChildren } from "./placement.ts";
import { amount, emitOrder, isOpen, isStop, marketRef, remainingQty } from "./_order.ts";
import type { Trade } from "../types.ts";
import type { Account, BookState, ExecEvent, MarketState, Order, Side } from "./types.ts";

/**
 * Fills up to `qty` of `order` at `price`, clipped to what reduce-only, the
 * short rule and free funds allow; ends the order when nothing is allowed.
 * Emits the fill and the order events; returns the quantity filled.
 */
function executeFill(
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
  emitOrder(order, out);
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

/** A taker price: `ref` moved by the slippage model for `qty`, rounded against the trader. */
function slippedTakerPrice(
  account: Account,
  market: MarketState,
  side: Side,
  fill: { ref: number; qty: number },
): number {
  const bps = slippageBps(account.config, market, fill.qty);
  const raw = slippedPrice(fill.ref, side, bps);
  const rounded = roundToStep(raw, market.tick, market.price_scale, side === "buy" ? "up" : "down");
  return rounded > 0 ? rounded : market.tick;
}

/**
 * Fills up to `qty` of `order` as taker against `book`: level by level up to
 * `limit`, at the volume-weighted price rounded against the trader. Without a
 * limit, what the visible book cannot fill is priced by the slippage model
 * from the last level (`rest: "slippage"`, the default) or left open.
 */
function bookTakerFill(
  account: Account,
  order: Order,
  book: BookState,
  fill: { qty: number; limit?: number; now: number },
  out: ExecEvent[],
): void {
  const market = account.markets[order.symbol];
  const side = order.side;
  const levels = side === "buy" ? book.asks : book.bids;
  if (levels.length === 0) return;
  const walk = walkBook(levels, side, fill.qty, { limit: fill.limit, market });
  let qty = walk.qty;
  let notional = walk.notional;
  const model = account.config.fill_model;
  const rest = fixDecimals(fill.qty - qty, market.qty_scale);
  if (rest > 0 && fill.limit === undefined && !(model?.book === "l2" && model.rest === "expire")) {
    const bps = slippageBps(account.config, market, rest);
    notional += rest * slippedPrice(walk.worst > 0 ? walk.worst : levels[0][0], side, bps);
    qty = fill.qty;
  }
  if (!(qty > 0)) return;
  const mode = side === "buy" ? "up" : "down";
  const price = roundToStep(notional / qty, market.tick, market.price_scale, mode);
  const spec = { qty, price, liquidity: "taker" as const, ref: levels[0][0], now: fill.now };
  executeFill(account, order, spec, out);
}

/**
 * Fills the open remainder of `order` as taker: against the fresh book when
 * there is one, else at `ref` plus slippage; a remainder left open expires.
 */
function takerFill(
  account: Account,
  order: Order,
  ref: number,
  now: number,
  out: ExecEvent[],
): void {
  const market = account.markets[order.symbol];
  const qty = remainingQty(order, market);
  const book = freshBook(account, order.symbol, now);
  if (book !== null && (order.side === "buy" ? book.asks : book.bids).length > 0) {
    bookTakerFill(account, order, book, { qty, now }, out);
  } else {
    const price = slippedTakerPrice(account, market, order.side, { ref, qty });
    executeFill(account, order, { qty, price, liquidity: "taker", ref, now }, out);
  }
  if (isOpen(order)) finish(account, order, "expired", "market remainder not filled", now, out);
}

/**
 * A limit order reaching the book: marketable (buy limit ≥ fresh ask, or
 * strictly above the last trade without a fresh quote) fills as taker at the
 * better price, unless post-only (rejected); IOC remainders expire; the rest rests.
 */
function limitArrival(account: Account, order: Order, now: number, out: ExecEvent[]): void {
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
  const book = freshBook(account, order.symbol, now);
  if (marketable) {
    const qty = remainingQty(order, market);
    if (book !== null && (buy ? book.asks : book.bids).length > 0) {
      bookTakerFill(account, order, book, { qty, limit, now }, out);
    } else {
      executeFill(account, order, { qty, price: ref, liquidity: "taker", ref, now }, out);
    }
  }
  if (order.time_in_force === "IOC" && isOpen(order)) {
    finish(account, order, "expired", "IOC remainder expired", now, out);
  } else if (book !== null && isOpen(order)) {
    order.queue_ahead = visibleAt(book, order.side, limit);
  }
}

/** Recomputes a trailing stop's level from its best price. */
function trail(order: Order, market: MarketState, best: number): void {
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

/**
 * An open order live at `trade`'s time meets it: it arrives first (see
 * {@link arrive}); a stop trails and may trigger; a resting limit the trade
 * goes through (or touches, with `queue: "touch"`) fills as maker, up to
 * `max_volume_share` of the trade. A limit with a queue position (book model)
 * fills at its price only from what trades there beyond the quantity ahead of
 * it; a trade through its price clears the queue.
 */
export function meetTrade(
  account: Account,
  order: Order,
  market: MarketState,
  trade: Trade,
  out: ExecEvent[],
): void {
  const now = trade.time;
  if (!order.arrived) {
    arrive(account, order, now, out);
    if (!isStop(order) || !isOpen(order)) return;
  }
  if (isStop(order) && !order.triggered) {
    if (order.type === "trailing_stop") {
      const best = order.trail_best;
      const better = best === null ||
        (order.side === "sell" ? trade.price > best : trade.price < best);
      if (better) trail(order, market, trade.price);
    }
    if (triggers(order, trade.price)) trigger(account, order, now, out);
    return;
  }
  if (order.price === undefined) return;
  const limit = order.price;
  const through = order.side === "buy" ? trade.price < limit : trade.price > limit;
  let traded = trade.qty;
  if (order.queue_ahead !== undefined) {
    if (through) order.queue_ahead = 0;
    else if (trade.price !== limit) return;
    else {
      const ahead = order.queue_ahead;
      order.queue_ahead = Math.max(0, ahead - traded);
      traded -= ahead;
      if (traded <= 0) return;
    }
  } else if (!through && !(account.config.queue === "touch" && trade.price === limit)) return;
  const share = roundToStep(
    traded * account.config.max_volume_share,
    market.step,
    market.qty_scale,
    "down",
  );
  const remaining = remainingQty(order, market);
  const qty = Math.min(remaining, share);
  if (qty > 0) {
    executeFill(account, order, { qty, price: limit, liquidity: "maker", ref: limit, now }, out);
  }
}

function triggers(order: Order, price: number): boolean {
  const stop = order.stop_price;
  if (typeof stop !== "number") return false;
  const buy = order.side === "buy";
  if (order.type === "take_profit") return buy ? price <= stop : price >= stop;
  return buy ? price >= stop : price <= stop;
}

function trigger(account: Account, order: Order, now: number, out: ExecEvent[]): void {
  order.triggered = true;
  order.updated_at = now;
  if (order.type === "stop_limit") {
    emitOrder(order, out);
    limitArrival(account, order, now, out);
    return;
  }
  const market = account.markets[order.symbol];
  const ref = marketRef(account, market, order.side, now);
  if (ref > 0) takerFill(account, order, ref, now, out);
  else finish(account, order, "expired", "no market price at trigger", now, out);
}
