/**
 * Replays a recording event by event without a promise per event: columnar
 * batches from the byte-level parsers pass the same recording validator as
 * every other recording, and accepted events reach a synchronous callback.
 * The backtests and the replay feed read recordings this way.
 *
 * @module
 */
import { RecordingValidator, type TimeBounds, type TradeColumns } from "../../core/market/mod.ts";
import type { BookTop, MarketEvent } from "../../core/types.ts";
import type { DropReason } from "./binance_protocol.ts";
import { readBatches, type ReadBatchesOptions } from "./read_batches.ts";
import type { TradeBatch } from "./trade_batch.ts";

/** Options of {@link replayBatches}. */
export interface ReplayBatchesOptions extends ReadBatchesOptions {
  /** Hears every dropped line or event, with the reason. */
  readonly onDrop?: (reason: DropReason) => void;
  /** Overrides of the validator's time bounds. */
  readonly timeBounds?: Partial<TimeBounds>;
  /**
   * Trades reach `onEvent` as one reused object, valid only during the call
   * (for consumers that keep no trade: backtests, columnar tapes).
   */
  readonly reuseTrades?: boolean;
  /**
   * Takes the trades accepted at once a run of rows of their batch at a time
   * (valid only during the call) instead of `onEvent` one by one.
   */
  readonly onTrades?: (batch: TradeColumns, start: number, end: number) => void;
}

/**
 * Passes every valid event of a recording (stream JSONL or CSV dump) to
 * `onEvent`, in order, with the L2 books of a stream JSONL recording that has
 * them (see {@link readRecording}).
 */
export async function replayBatches(
  path: string,
  onEvent: (event: MarketEvent | BookTop) => void,
  options: ReplayBatchesOptions = {},
): Promise<void> {
  const drop = options.onDrop ?? (() => {});
  const validator = new RecordingValidator<MarketEvent | BookTop>({
    bounds: options.timeBounds,
    accept: onEvent,
    drop,
    reuseTrades: options.reuseTrades,
    acceptTrades: options.onTrades,
  });
  await readBatches(path, {
    trades: (batch: TradeBatch) => validator.pushTrades(batch),
    event: (event) => validator.push(event),
    drop,
  }, options);
  validator.end();
  await options.afterChunk?.();
}
