/**
 * Runs a backtest over a recording file: recorded stream JSONL or Binance
 * public-data CSV dumps (trades, aggTrades, klines), optionally gzipped.
 * Events pass the recording validator that the replay feed uses (malformed
 * values, duplicate and out-of-order ids, times that go back or jump ahead
 * unconfirmed are dropped and counted) before they reach the session core;
 * klines from CSV dumps become their synthetic trade sequence.
 */
import { Backtest, type BacktestResult } from "../../core/backtest/mod.ts";
import type { ExecutionConfig } from "../../core/execution/mod.ts";
import type { Strategy } from "../../core/strategy/mod.ts";
import type { TimeBounds } from "../../core/market/mod.ts";
import type { MarketEvent } from "../../core/types.ts";
import { readRecording } from "../market/mod.ts";
import { replayCsv, type ReplayCsvOptions } from "./replay_csv.ts";

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
  /** The file that was replayed. */
  readonly data: string;
  /** Events dropped by validation, by reason. */
  readonly dropped: Record<string, number>;
}

/**
 * Passes every valid event of a recording to `onEvent`, in order: CSV dumps
 * through the byte-level batch parser, stream JSONL line by line.
 */
export async function replayRecording(
  path: string,
  onEvent: (event: MarketEvent) => void,
  options: ReplayCsvOptions = {},
): Promise<void> {
  if (isCsv(path)) return await replayCsv(path, onEvent, options);
  for await (const event of readRecording(path, options)) {
    options.signal?.throwIfAborted();
    onEvent(event);
  }
}

/** Whether a recording is a CSV dump (whose klines replay as synthetic trades). */
export function isCsv(path: string): boolean {
  return /\.csv(\.gz)?$/i.test(path);
}

/** Steps a backtest with a recorded event: a CSV dump's kline as its synthetic trades. */
export function stepRecorded(backtest: Backtest, event: MarketEvent, csv: boolean): void {
  if (csv && event.type === "candle") backtest.stepKline(event);
  else backtest.step(event);
}

/** Replays a file through a fresh backtest; throws when the file has no event for the symbol. */
export async function runBacktest(
  path: string,
  options: RunBacktestOptions,
): Promise<FileBacktestResult> {
  const size = (await Deno.stat(path)).size;
  const csv = isCsv(path);
  const dropped: Record<string, number> = {};
  const drop = (reason: string) => dropped[reason] = (dropped[reason] ?? 0) + 1;
  const step = Math.max(1, size / 100);
  let reported = 0;
  const onBytes = options.onProgress
    ? (bytes: number) => {
      if (bytes - reported < step && bytes < size) return;
      reported = bytes;
      options.onProgress!(size > 0 ? Math.min(1, bytes / size) : 1);
    }
    : undefined;
  let backtest: Backtest | undefined;
  const symbol = options.symbol?.toUpperCase();
  const onEvent = (event: MarketEvent) => {
    backtest ??= new Backtest({
      symbol: symbol ?? event.symbol,
      strategy: options.strategy,
      execution: options.execution,
      from: options.from,
      to: options.to,
      equityIntervalMs: options.equityIntervalMs,
      chartPoints: options.chartPoints,
    });
    stepRecorded(backtest, event, csv);
  };
  await replayRecording(path, onEvent, {
    symbol,
    onDrop: drop,
    onBytes,
    timeBounds: options.timeBounds,
    signal: options.signal,
  });
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
