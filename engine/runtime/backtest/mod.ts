/**
 * Backtests in the runtime: over recording files, as background jobs of the
 * service, and their reports.
 *
 * @module
 */
export {
  type DataSource,
  type FileBacktestResult,
  runBacktest,
  type RunBacktestOptions,
} from "./run.ts";
export {
  type BacktestJob,
  BacktestJobs,
  type BacktestParams,
  type BacktestStatus,
} from "./jobs.ts";
export { DATA_FILE, type DataFile, DataFiles } from "./data_files.ts";
export {
  chartedFills,
  equitySvg,
  metricsTable,
  perSymbolTable,
  priceSvg,
  reportHtml,
  type TradeRow,
  tradeRows,
  tradesCsv,
  tradesTableHtml,
} from "./report.ts";
