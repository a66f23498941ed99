/**
 * Paper execution: a pure, deterministic simulated exchange account with
 * realistic fills, fees, symbol filters, funds, positions and round trips.
 * All state is plain JSON.
 *
 * @module
 */
export {
  type ExecutionConfig,
  executionConfigSchema,
  type FillModel,
  resolveExecutionConfig,
  type SlippageModel,
} from "./config.ts";
export { DEFAULT_FILTERS, filtersFor, type RoundMode, roundToStep, scaleOf } from "./filters.ts";
export type {
  Account,
  AccountTotals,
  BookState,
  ClosedTrade,
  ExecEvent,
  Fill,
  MarketState,
  Order,
  OrderRequest,
  OrderStatus,
  OrderType,
  Position,
  PositionState,
  Side,
} from "./types.ts";
export { createAccount, equity, freeCash, openOrders, position } from "./account.ts";
export {
  affordableQuantity,
  feeRate,
  fundsNeeded,
  maxFeeRate,
  SIZING_MARGIN,
  slippageBps,
  slippedPrice,
  worstCoverPrice,
  worstSlippageBps,
} from "./costs.ts";
export { rejectOrder, submitOrder } from "./placement.ts";
export { cancelAll, cancelOrder } from "./cancellation.ts";
export { applyTrade, onBook, onQuote, onTrade } from "./matching.ts";
