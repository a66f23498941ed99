/**
 * Entry of a sweep worker (see `sweep.ts`): takes the recording as a tape in
 * shared memory (read once by the main thread, see {@link EventTape}), then
 * runs each trial it is given as a backtest over it (in-sample and, with a
 * walk-forward split, out-of-sample) and answers with the metrics.
 */
/// <reference lib="deno.worker" />
import { Backtest } from "../../core/backtest/mod.ts";
import type { ExecutionConfig } from "../../core/execution/mod.ts";
import type { Metrics } from "../../core/metrics/mod.ts";
import type { Strategy } from "../../core/strategy/mod.ts";
import { stepRecorded } from "./run.ts";
import { EventTape, type SharedTape } from "./event_tape.ts";

/** What the main thread sends: the data, then trials. */
export type ToSweepWorker =
  | {
    readonly kind: "load";
    readonly tape: SharedTape;
    /** Whether the recording is a CSV dump (its klines replay as synthetic trades). */
    readonly csv: boolean;
    readonly execution: ExecutionConfig;
    /** Last in-sample exchange ms of a walk-forward split; null: the whole span. */
    readonly split: number | null;
  }
  | { readonly kind: "trial"; readonly index: number; readonly strategy: Strategy };

/** What a sweep worker answers to a trial. */
export type FromSweepWorker =
  | {
    readonly kind: "result";
    readonly index: number;
    readonly inSample: Metrics;
    readonly outOfSample: Metrics | null;
  }
  | { readonly kind: "error"; readonly message: string };

let load: Extract<ToSweepWorker, { kind: "load" }>;
let events: EventTape;

function run(strategy: Strategy, from?: number, to?: number): Metrics {
  const backtest = new Backtest({
    symbol: load.tape.symbol,
    strategy,
    execution: load.execution,
    from,
    to,
  });
  const csv = load.csv;
  events.replay({
    trades: (columns, start, end) => backtest.stepTrades(columns, start, end),
    event: (event) => stepRecorded(backtest, event, csv),
  });
  return backtest.result().metrics;
}

function handle(message: ToSweepWorker): FromSweepWorker | undefined {
  if (message.kind === "load") {
    load = message;
    events = EventTape.from(message.tape);
    return undefined;
  }
  const { index, strategy } = message;
  const split = load.split;
  if (split === null) return { kind: "result", index, inSample: run(strategy), outOfSample: null };
  return {
    kind: "result",
    index,
    inSample: run(strategy, undefined, split),
    outOfSample: run(strategy, split + 1),
  };
}

self.onmessage = (event: MessageEvent<ToSweepWorker>) => {
  try {
    const answer = handle(event.data);
    if (answer) self.postMessage(answer);
  } catch (error) {
    self.postMessage({ kind: "error", message: (error as Error).message });
  }
};
