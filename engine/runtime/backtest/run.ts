/**
 * Runs a backtest over a recording file: recorded stream JSONL or Binance
 * public-data CSV dumps (trades, aggTrades, klines), optionally gzipped.
 * Events pass the recording validator that the replay feed uses (malformed
 * values, duplicate and out-of-order ids, times that go back or jump ahead
 * unconfirmed are dropped and counted) before they reach the session core;
 * klines from CSV dumps become their synthetic trade sequence. Several files,
 * one symbol each, make a portfolio backtest: their events are merged in time
 * order (klines by open time, other events by their time; equal times in the
 * order of the files). A single stream JSONL recording with books (partial
 * depth and depth diffs) feeds them to the session core, so fills walk them
 * (the L2 book fill model); portfolio backtests do not read books.
 */
import { Backtest, type BacktestResult } from "../../core/backtest/mod.ts";
import type { ExecutionConfig } from "../../core/execution/mod.ts";
import type { Strategy } from "../../core/strategy/mod.ts";
import type { TimeBounds } from "../../core/market/mod.ts";
import type { BookTop, MarketEvent } from "../../core/types.ts";
import { binanceSymbol } from "../market/mod.ts";
import { replayBatches } from "../market/replay_batches.ts";
import { mergeByTime } from "./merge.ts";

/** One recording and the symbol it holds (required when there are several). */
export interface DataSource {
  readonly symbol?: string;
  readonly path: string;
}

/** Options of {@link runBacktest}. */
export interface RunBacktestOptions {
  readonly strategy: Strategy;
  readonly execution: ExecutionConfig;
  /** Symbol to trade (default: the symbol of the file's first event). */
  readonly symbol?: string;
  /** Window in exchange ms (inclusive). */
  readonly from?: number;
  readonly to?: number;
  /** Equity sampling interval in exchange ms (default 60,000). */
  readonly equityIntervalMs?: number;
  /** Point budget of each chart series (default 2000). */
  readonly chartPoints?: number;
  /** Hears the share of the file read so far (0..1), at most about every 1% of the file. */
  readonly onProgress?: (fraction: number) => void;
  /** Stops the run early (the promise rejects with the signal's reason). */
  readonly signal?: AbortSignal;
  /** Overrides of the validator's time bounds (`DEFAULT_TIME_BOUNDS`). */
  readonly timeBounds?: Partial<TimeBounds>;
}

/** A backtest result with what was dropped from the file. */
export interface FileBacktestResult extends BacktestResult {
  /** The file that was replayed (`SYMBOL=path` entries joined by spaces for several). */
  readonly data: string;
  /** Events dropped by validation, by reason. */
  readonly dropped: Record<string, number>;
}

/**
 * Why a backtest over `path` needs its symbol given (a CSV dump whose name
 * does not carry one, e.g. `klines.csv`), or undefined when it does not.
 */
export function symbolNeeded(path: string, symbol?: string): string | undefined {
  if (symbol || !isCsv(path) || binanceSymbol(path) !== undefined) return undefined;
  return `the file name '${
    path.split(/[\\/]/).pop()
  }' does not name its symbol (only names like BTCUSDT-trades-2025-01-01.csv do): give the symbol`;
}

/** Whether a recording is a CSV dump (whose klines replay as synthetic trades). */
export function isCsv(path: string): boolean {
  return /\.csv(\.gz)?$/i.test(path);
}

/** Steps a backtest with a recorded event: a CSV dump's kline as its synthetic trades. */
export function stepRecorded(backtest: Backtest, event: MarketEvent | BookTop, csv: boolean): void {
  if (event.type === "book") backtest.book(event);
  else if (csv && event.type === "candle") backtest.stepKline(event);
  else backtest.step(event);
}

/**
 * Replays a file (or, for a portfolio, several files with their symbols)
 * through a fresh backtest; throws when there is no event for the symbol(s).
 */
export async function runBacktest(
  data: string | readonly DataSource[],
  options: RunBacktestOptions,
): Promise<FileBacktestResult> {
  if (typeof data !== "string" && data.length === 1) {
    return runBacktest(data[0].path, { ...options, symbol: data[0].symbol ?? options.symbol });
  }
  const sources = typeof data === "string" ? [{ path: data, symbol: options.symbol }] : data;
  if (sources.length > 1 && sources.some((s) => !s.symbol)) {
    throw new RangeError("each recording of a portfolio backtest needs its symbol");
  }
  const portfolio = sources.length > 1 ? sources.map((s) => s.symbol!.toUpperCase()) : undefined;
  const path = typeof data === "string" ? data : data.map((s) => `${s.symbol}=${s.path}`).join(" ");
  const sizes = await Promise.all(sources.map(async (s) => (await Deno.stat(s.path)).size));
  const size = sizes.reduce((a, b) => a + b, 0);
  const csv = sources.map((s) => isCsv(s.path));
  const dropped: Record<string, number> = {};
  const drop = (reason: string) => dropped[reason] = (dropped[reason] ?? 0) + 1;
  const step = Math.max(1, size / 100);
  let reported = 0;
  const read = sizes.map(() => 0);
  const onBytes = options.onProgress
    ? (fileBytes: number, source: number) => {
      read[source] = fileBytes;
      const bytes = read.reduce((a, b) => a + b, 0);
      if (bytes - reported < step && bytes < size) return;
      reported = bytes;
      options.onProgress!(size > 0 ? Math.min(1, bytes / size) : 1);
    }
    : undefined;
  let backtest: Backtest | undefined;
  const symbol = portfolio?.[0] ?? options.symbol?.toUpperCase();
  // Created with the first event: without a symbol given, it trades that event's.
  const backtestOf = (first: string) =>
    backtest ??= new Backtest({
      symbol: symbol ?? first,
      symbols: portfolio,
      strategy: options.strategy,
      execution: options.execution,
      from: options.from,
      to: options.to,
      equityIntervalMs: options.equityIntervalMs,
      chartPoints: options.chartPoints,
    });
  const onEvent = (event: MarketEvent | BookTop, source: number) => {
    if (portfolio && event.symbol !== portfolio[source]) return;
    stepRecorded(backtestOf(event.symbol), event, csv[source]);
  };
  if (portfolio) {
    const merged = sources.map((s, i) => ({
      path: s.path,
      options: {
        symbol: portfolio[i],
        onDrop: drop,
        onBytes: onBytes && ((bytes: number) => onBytes(bytes, i)),
        timeBounds: options.timeBounds,
      },
    }));
    const timeOf = (event: MarketEvent, i: number) =>
      event.type !== "candle" ? event.time : csv[i] ? event.openTime : event.closeTime;
    await mergeByTime(merged, timeOf, onEvent, options.signal);
  } else {
    await replayBatches(path, (event) => onEvent(event, 0), {
      symbol,
      onDrop: drop,
      onBytes: onBytes && ((bytes: number) => onBytes(bytes, 0)),
      timeBounds: options.timeBounds,
      signal: options.signal,
      onTrades: (batch, start, end) => backtestOf(batch.symbol).stepTrades(batch, start, end),
    });
  }
  if (!backtest) {
    throw new RangeError(`no market events in '${path}'${symbol ? ` for ${symbol}` : ""}`);
  }
  const result = backtest.result();
  if (result.events === 0) {
    throw new RangeError(
      `no events for ${result.symbol} in '${path}' within the requested time window`,
    );
  }
  return { ...result, data: path, dropped };
}
