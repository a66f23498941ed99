/**
 * Backtesting on the session core: the same state machine as paper trading,
 * driven over recorded events; klines become a documented synthetic trade
 * sequence.
 *
 * @module
 */
export { Backtest, type BacktestResult, type BacktestSetup } from "./backtest.ts";
export { candleTrades, TRADES_PER_CANDLE } from "./synthesis.ts";
export { Downsampler, type SeriesPoint, type SeriesValue } from "./downsample.ts";
