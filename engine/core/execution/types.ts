/**
 * Plain-data shapes of the paper execution engine. Everything here survives
 * `JSON.parse(JSON.stringify(x))` unchanged.
 */
import type { Level } from "../types.ts";
import type { ExecutionConfig } from "./config.ts";

/** Side of an order or fill. */
export type Side = "buy" | "sell";

/** Order types the simulated exchange accepts. */
export type OrderType =
  | "market"
  | "limit"
  | "stop_market"
  | "stop_limit"
  | "take_profit"
  | "trailing_stop";

/** Lifecycle status of an order. */
export type OrderStatus =
  | "new"
  | "partially_filled"
  | "filled"
  | "cancelled"
  | "rejected"
  | "expired";

/** What a strategy or user asks for. */
export interface OrderRequest {
  symbol: string;
  side: Side;
  type: OrderType;
  quantity: number;
  /** Limit price (limit, stop_limit). */
  price?: number;
  /** Trigger price (stop_market, stop_limit, take_profit). */
  stop_price?: number;
  time_in_force?: "GTC" | "IOC";
  /** Reject a limit that would take liquidity on arrival. */
  post_only?: boolean;
  /** Trailing distance in percent of the best price (trailing_stop). */
  trail_percent?: number;
  /** Trailing distance in price units (trailing_stop). */
  trail_amount?: number;
  /** Only ever reduce the position; the quantity is clipped to it. */
  reduce_only?: boolean;
  /** Stop-loss and take-profit children placed (one-cancels-other) when the entry fills. */
  bracket?: { stop_loss?: number; take_profit?: number };
  /** Free text carried to events, e.g. `entry.long`. */
  tag?: string;
}

/** An order as the simulated exchange holds it. */
export interface Order {
  id: string;
  symbol: string;
  side: Side;
  type: OrderType;
  quantity: number;
  price?: number;
  /** Trigger price; for a trailing stop the current trailing level (null before a price is seen). */
  stop_price?: number | null;
  time_in_force: "GTC" | "IOC";
  post_only: boolean;
  trail_percent?: number;
  trail_amount?: number;
  reduce_only: boolean;
  bracket?: { stop_loss?: number; take_profit?: number };
  tag?: string;
  status: OrderStatus;
  filled_qty: number;
  /** Volume-weighted fill price (0 before the first fill). */
  avg_price: number;
  reason?: string;
  created_at: number;
  updated_at: number;
  parent_id?: string;
  oco_id?: string;
  /** Exchange time from which the order is live (created_at + latency). */
  active_at: number;
  /** Whether the order has reached the simulated exchange. */
  arrived: boolean;
  /** Whether a stop has triggered (a triggered stop_limit rests as a limit). */
  triggered: boolean;
  /** Best price since a trailing stop's activation (null before one is seen). */
  trail_best: number | null;
  /** Quote funds still reserved by this order. */
  reserved: number;
  /** Fees paid by this order's fills. */
  fees: number;
  /**
   * Visible quantity ahead of a resting limit at its price (L2 book model): set
   * when it rests with a fresh book, lowered by trades at its price; absent
   * without book data.
   */
  queue_ahead?: number;
}

/** One execution. */
export interface Fill {
  id: string;
  order_id: string;
  symbol: string;
  side: Side;
  price: number;
  quantity: number;
  /** Fee in the quote currency. */
  fee: number;
  liquidity: "maker" | "taker";
  /** Quote-currency cost versus the reference price (≥ 0). */
  slippage: number;
  time: number;
  tag?: string;
}

/** A round trip: from flat to flat (or to a flip). */
export interface ClosedTrade {
  id: string;
  symbol: string;
  side: "long" | "short";
  entry_time: number;
  exit_time: number;
  /** Volume-weighted entry price. */
  entry_price: number;
  /** Volume-weighted exit price. */
  exit_price: number;
  /** Total quantity entered. */
  quantity: number;
  /** Realised P&L net of fees. */
  pnl: number;
  fees: number;
}

/** Net position in one symbol. */
export interface Position {
  symbol: string;
  /** Signed: > 0 long, < 0 short. */
  quantity: number;
  avg_price: number;
  /** Realised P&L before fees, since the account opened. */
  realized_pnl: number;
  unrealized_pnl: number;
  mark_price: number;
}

/** Everything the engine reports. */
export type ExecEvent =
  | { type: "order"; order: Order }
  | { type: "fill"; fill: Fill; position: Position }
  | { type: "trade_closed"; trade: ClosedTrade };

/** Position plus the running round trip. */
export interface PositionState extends Position {
  trip_side: "long" | "short" | null;
  trip_entry_time: number;
  trip_entry_qty: number;
  trip_entry_value: number;
  trip_exit_qty: number;
  trip_exit_value: number;
  trip_fees: number;
  trip_realized: number;
}

/** Last known market state of one symbol, with its filters. */
export interface MarketState {
  /** Last trade price (0 when none seen yet). */
  last: number;
  last_time: number;
  /** Best bid/ask (0 when none seen yet). */
  bid: number;
  ask: number;
  quote_time: number;
  /** Exponentially weighted mean trade quantity (α = 0.01), for the sqrt slippage model. */
  volume_ref: number;
  tick: number;
  step: number;
  min_notional: number;
  price_scale: number;
  qty_scale: number;
}

/** The last L2 book levels of a symbol the account saw (best first on each side). */
export interface BookState {
  bids: Level[];
  asks: Level[];
  /** Exchange ms. */
  time: number;
}

/** Running totals of an account. */
export interface AccountTotals {
  fees: number;
  slippage: number;
  realized: number;
  fills: number;
  /** Malformed market events dropped. */
  dropped: number;
}

/** A paper account: plain JSON, snapshot with JSON.stringify and restore with JSON.parse. */
export interface Account {
  config: ExecutionConfig;
  cash: number;
  /** Quote funds reserved by open orders. */
  reserved: number;
  positions: Record<string, PositionState>;
  /** Open orders (pending arrival, resting or waiting for a trigger), in submission order. */
  orders: Order[];
  markets: Record<string, MarketState>;
  /** Last book of each symbol fed with `onBook` (absent until one is). */
  books?: Record<string, BookState>;
  next_order: number;
  next_fill: number;
  next_trade: number;
  totals: AccountTotals;
}
