/**
 * Replays a recording event by event without a promise per event: columnar
 * batches from the byte-level parsers pass the same recording validator as
 * every other recording, and accepted events reach a synchronous callback.
 * The backtests and the replay feed read recordings this way.
 *
 * @module
 */
import { RecordingValidator, type TimeBounds } from "../../core/market/mod.ts";
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
  });
  await readBatches(path, {
    trades(batch: TradeBatch) {
      const { symbol, id, price, qty, time, buyerMaker } = batch;
      for (let i = 0; i < batch.count; i++) {
        validator.push({
          type: "trade",
          symbol,
          id: id[i],
          price: price[i],
          qty: qty[i],
          time: time[i],
          buyerMaker: buyerMaker[i] === 1,
        });
      }
    },
    event: (event) => validator.push(event),
    drop,
  }, options);
  validator.end();
  await options.afterChunk?.();
}
