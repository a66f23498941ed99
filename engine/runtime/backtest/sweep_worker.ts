/**
 * Entry of a sweep worker (see `sweep.ts`): loads the recording once into
 * memory (columnar, see {@link EventTape}), then runs each trial it is given as a backtest over it (in-sample
 * and, with a walk-forward split, out-of-sample) and answers with the metrics.
 */
/// <reference lib="deno.worker" />
import { Backtest } from "../../core/backtest/mod.ts";
import type { BookTop, MarketEvent } from "../../core/types.ts";
import type { ExecutionConfig } from "../../core/execution/mod.ts";
import type { Metrics } from "../../core/metrics/mod.ts";
import type { Strategy } from "../../core/strategy/mod.ts";
import { replayBatches } from "../market/replay_batches.ts";
import { isCsv, stepRecorded } from "./run.ts";
import { EventTape } from "./event_tape.ts";

/** What the main thread sends: the data, then trials. */
export type ToSweepWorker =
  | {
    readonly kind: "load";
    readonly data: string;
    readonly symbol?: string;
    readonly execution: ExecutionConfig;
    /** In-sample share of the time span (walk-forward), e.g. 0.7; none: the whole span. */
    readonly inSample?: number;
  }
  | { readonly kind: "trial"; readonly index: number; readonly strategy: Strategy };

/** What a sweep worker answers. */
export type FromSweepWorker =
  | { readonly kind: "loaded"; readonly events: number; readonly split: number | null }
  | {
    readonly kind: "result";
    readonly index: number;
    readonly inSample: Metrics;
    readonly outOfSample: Metrics | null;
  }
  | { readonly kind: "error"; readonly message: string };

let events = new EventTape();
let csv = false;
let load: Extract<ToSweepWorker, { kind: "load" }>;
let symbol = "";
let split: number | null = null;

function run(strategy: Strategy, from?: number, to?: number): Metrics {
  const backtest = new Backtest({ symbol, strategy, execution: load.execution, from, to });
  events.replay((event) => stepRecorded(backtest, event, csv));
  return backtest.result().metrics;
}

function time(event: MarketEvent | BookTop, end: boolean): number {
  if (event.type !== "candle") return event.time;
  return end ? event.closeTime : event.openTime;
}

async function handle(message: ToSweepWorker): Promise<FromSweepWorker> {
  if (message.kind === "load") {
    load = message;
    csv = isCsv(message.data);
    const wanted = message.symbol?.toUpperCase();
    await replayBatches(message.data, (event) => {
      symbol ||= wanted ?? event.symbol;
      if (event.type !== "book" && event.symbol === symbol) events.add(event);
    }, { symbol: wanted });
    events.trim();
    const ends = events.ends();
    if (!ends) throw new RangeError(`no market events in '${message.data}'`);
    if (message.inSample !== undefined) {
      const first = time(ends.first, false);
      const last = time(ends.last, true);
      split = first + Math.floor((last - first) * message.inSample);
    }
    return { kind: "loaded", events: events.length, split };
  }
  const { index, strategy } = message;
  if (split === null) return { kind: "result", index, inSample: run(strategy), outOfSample: null };
  return {
    kind: "result",
    index,
    inSample: run(strategy, undefined, split),
    outOfSample: run(strategy, split + 1),
  };
}

self.onmessage = async (event: MessageEvent<ToSweepWorker>) => {
  try {
    self.postMessage(await handle(event.data));
  } catch (error) {
    events = new EventTape();
    self.postMessage({ kind: "error", message: (error as Error).message });
  }
};
