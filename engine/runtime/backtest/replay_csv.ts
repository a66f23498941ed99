/**
 * Replays a CSV dump event by event without a promise per event: columnar
 * batches from the byte-level parser pass the same recording validator as
 * every other recording, and accepted events reach a synchronous callback.
 *
 * @module
 */
import { RecordingValidator, type TimeBounds } from "../../core/market/mod.ts";
import type { MarketEvent } from "../../core/types.ts";
import type { DropReason } from "../market/mod.ts";
import { readCsvBatches, type TradeBatch } from "../market/csv_batches.ts";

/** Options of {@link replayCsv}. */
export interface ReplayCsvOptions {
  /** Symbol of the dump (default: from the file name). */
  readonly symbol?: string;
  /** Hears every dropped line or event, with the reason. */
  readonly onDrop?: (reason: DropReason) => void;
  /** Hears the running count of file bytes read. */
  readonly onBytes?: (bytes: number) => void;
  /** Overrides of the validator's time bounds. */
  readonly timeBounds?: Partial<TimeBounds>;
  /** Stops the replay between chunks (the promise rejects with the signal's reason). */
  readonly signal?: AbortSignal;
}

/** Passes every valid event of a CSV dump to `onEvent`, in file order. */
export async function replayCsv(
  path: string,
  onEvent: (event: MarketEvent) => void,
  options: ReplayCsvOptions = {},
): Promise<void> {
  const drop = options.onDrop ?? (() => {});
  const validator = new RecordingValidator({
    bounds: options.timeBounds,
    accept: onEvent,
    drop,
  });
  await readCsvBatches(path, {
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
}
