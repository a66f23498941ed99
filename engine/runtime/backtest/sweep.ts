/**
 * Parameter sweeps: many backtests of one strategy over one recording, each
 * with other values at some parameter paths, run in parallel workers over
 * the data read once, held as a columnar tape in shared memory. Trials come
 * from a grid or a seeded random draw, so a sweep is reproducible; results
 * do not depend on the number of workers.
 * With a walk-forward split each trial runs on the in-sample span and, fresh,
 * on the out-of-sample span after it: ranking uses the in-sample objective,
 * and the out-of-sample one beside it shows overfitting.
 *
 * @module
 */
import type { ExecutionConfig } from "../../core/execution/mod.ts";
import type { Metrics } from "../../core/metrics/mod.ts";
import type { Strategy } from "../../core/strategy/mod.ts";
import {
  applyTrial,
  checkParams,
  gridTrials,
  randomTrials,
  type SweepParam,
} from "./sweep_space.ts";
import type { FromSweepWorker, ToSweepWorker } from "./sweep_worker.ts";
import { EventTape } from "./event_tape.ts";
import { isCsv } from "./run.ts";
import { replayBatches } from "../market/replay_batches.ts";

/** Metrics a sweep can rank by (higher is better). */
export const OBJECTIVES = ["sharpe", "total_return", "profit_factor", "calmar"] as const;

/** One of {@link OBJECTIVES}. */
export type Objective = typeof OBJECTIVES[number];

/** Options of {@link runSweep}. */
export interface SweepOptions {
  /** The recording (a path that is read). */
  readonly data: string;
  readonly strategy: Strategy;
  readonly params: readonly SweepParam[];
  readonly execution: ExecutionConfig;
  /** Symbol to trade (default: the recording's first). */
  readonly symbol?: string;
  readonly objective?: Objective;
  /** `grid` (default) runs every combination; `random` draws `trials` of them. */
  readonly search?: "grid" | "random";
  readonly trials?: number;
  /** Seed of the random draw (default 1). */
  readonly seed?: number;
  /** Parallel workers (default 2). */
  readonly workers?: number;
  /** In-sample share of the time span for a walk-forward split, in (0, 1). */
  readonly inSample?: number;
  /** Hears the number of finished trials and the total. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** One trial of a sweep. */
export interface SweepRow {
  /** Position in the trial list (grid order, or draw order). */
  readonly index: number;
  readonly values: Readonly<Record<string, number>>;
  /** The objective on the in-sample span (the whole span without a split); null when undefined. */
  readonly score: number | null;
  readonly in_sample: Metrics | null;
  readonly out_of_sample: Metrics | null;
  /** Why the combination is not a valid strategy (then no metrics). */
  readonly problem?: string;
}

/** A finished sweep. */
export interface SweepResult {
  readonly strategy: string;
  readonly objective: Objective;
  readonly search: "grid" | "random";
  readonly seed: number;
  readonly params: readonly SweepParam[];
  /** Events loaded from the recording. */
  readonly events: number;
  /** Last in-sample exchange ms of a walk-forward split (null without one). */
  readonly split_time: number | null;
  /** Every trial, best first by score (ties and invalid ones by index). */
  readonly rows: SweepRow[];
}

const WORKER_URL = new URL("./sweep_worker.ts", import.meta.url);

/**
 * Runs a sweep; a RangeError lists every parameter path that is not a number
 * in the strategy before anything runs.
 */
export async function runSweep(options: SweepOptions): Promise<SweepResult> {
  const { strategy, params } = options;
  const problems = checkParams(strategy, params);
  if (params.length === 0) problems.push("give at least one parameter to sweep");
  if (problems.length > 0) throw new RangeError(problems.join("; "));
  const objective = options.objective ?? "sharpe";
  const search = options.search ?? "grid";
  const seed = options.seed ?? 1;
  const combos = search === "random"
    ? randomTrials(params, options.trials ?? 100, seed)
    : gridTrials(params);
  const rows: SweepRow[] = [];
  const queue: { index: number; strategy: Strategy }[] = [];
  const valuesOf = (combo: number[]) =>
    Object.fromEntries(params.map((p, i) => [p.path, combo[i]]));
  combos.forEach((combo, index) => {
    const applied = applyTrial(strategy, params, combo);
    if (applied.ok) queue.push({ index, strategy: applied.strategy });
    else {
      rows.push({
        index,
        values: valuesOf(combo),
        score: null,
        in_sample: null,
        out_of_sample: null,
        problem: applied.problem,
      });
    }
  });
  let done = rows.length;
  options.onProgress?.(done, combos.length);
  const count = Math.max(1, Math.min(options.workers ?? 2, queue.length));
  // The workers start (and compile) while the data is read.
  const workers = Array.from(
    { length: queue.length > 0 ? count : 0 },
    () => new Worker(WORKER_URL, { type: "module", name: "sweep" }),
  );
  let loaded: { events: number; split: number | null } = { events: 0, split: null };
  try {
    if (workers.length > 0) {
      const tape = await readTape(options.data, options.symbol);
      const split = options.inSample === undefined ? null : splitTime(tape, options.inSample);
      loaded = { events: tape.length, split };
      const load: ToSweepWorker = {
        kind: "load",
        tape: tape.share(),
        csv: isCsv(options.data),
        execution: options.execution,
        split,
      };
      await Promise.all(workers.map((worker) =>
        work(worker, load, queue, (result) => {
          const combo = combos[result.index];
          rows.push({
            index: result.index,
            values: valuesOf(combo),
            score: result.inSample[objective],
            in_sample: result.inSample,
            out_of_sample: result.outOfSample,
          });
          options.onProgress?.(++done, combos.length);
        })
      ));
    }
  } finally {
    for (const worker of workers) worker.terminate();
  }
  rows.sort((a, b) => (b.score ?? -Infinity) - (a.score ?? -Infinity) || a.index - b.index);
  return {
    strategy: strategy.name,
    objective,
    search,
    seed,
    params,
    events: loaded.events,
    split_time: loaded.split,
    rows,
  };
}

/** The events of `data` for one symbol (`symbol`, else the first one seen), read once. */
async function readTape(data: string, symbol?: string): Promise<EventTape> {
  const wanted = symbol?.toUpperCase();
  let chosen = "";
  const tape = new EventTape();
  await replayBatches(data, (event) => {
    chosen ||= wanted ?? event.symbol;
    if (event.type !== "book" && event.symbol === chosen) tape.add(event);
  }, {
    symbol: wanted,
    // Accepted trades arrive as runs of rows of their batch, copied column by column.
    onTrades: (batch, start, end) => {
      chosen ||= wanted ?? batch.symbol;
      if (batch.symbol === chosen) tape.addTrades(batch, start, end);
    },
  });
  if (tape.length === 0) throw new RangeError(`no market events in '${data}'`);
  tape.trim();
  return tape;
}

/** The last in-sample exchange ms when the first `inSample` share of the tape's span is in-sample. */
function splitTime(tape: EventTape, inSample: number): number {
  const { first, last } = tape.ends()!;
  const start = first.type === "candle" ? first.openTime : first.time;
  const end = last.type === "candle" ? last.closeTime : last.time;
  return start + Math.floor((end - start) * inSample);
}

/** Trials sent ahead to a worker, so it never waits for the next one. */
const AHEAD = 2;

/** One worker: takes the tape, then trials from the shared queue until it is empty. */
function work(
  worker: Worker,
  load: ToSweepWorker,
  queue: { index: number; strategy: Strategy }[],
  onResult: (result: Extract<FromSweepWorker, { kind: "result" }>) => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let running = 0;
    const next = () => {
      while (running < AHEAD && queue.length > 0) {
        worker.postMessage({ kind: "trial", ...queue.shift()! } satisfies ToSweepWorker);
        running++;
      }
      if (running === 0) resolve();
    };
    worker.onmessage = (event: MessageEvent<FromSweepWorker>) => {
      const message = event.data;
      if (message.kind === "error") {
        queue.length = 0; // the other workers stop too
        return reject(new RangeError(message.message));
      }
      running--;
      onResult(message);
      next();
    };
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(`sweep worker failed: ${event.message}`));
    };
    worker.postMessage(load);
    next();
  });
}
