/**
 * Parameter sweeps: many backtests of one strategy over one recording, each
 * with other values at some parameter paths, run in parallel workers that
 * load the data once. Trials come from a grid or a seeded random draw, so a
 * sweep is reproducible; results do not depend on the number of workers.
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
  const loaded = await Promise.all(
    Array.from({ length: queue.length > 0 ? count : 0 }, () =>
      work(
        {
          kind: "load",
          data: options.data,
          symbol: options.symbol,
          execution: options.execution,
          inSample: options.inSample,
        },
        queue,
        (result) => {
          const combo = combos[result.index];
          rows.push({
            index: result.index,
            values: valuesOf(combo),
            score: result.inSample[objective],
            in_sample: result.inSample,
            out_of_sample: result.outOfSample,
          });
          options.onProgress?.(++done, combos.length);
        },
      )),
  );
  rows.sort((a, b) => (b.score ?? -Infinity) - (a.score ?? -Infinity) || a.index - b.index);
  return {
    strategy: strategy.name,
    objective,
    search,
    seed,
    params,
    events: loaded[0]?.events ?? 0,
    split_time: loaded[0]?.split ?? null,
    rows,
  };
}

/** One worker: loads the data, then takes trials from the shared queue until it is empty. */
function work(
  load: ToSweepWorker,
  queue: { index: number; strategy: Strategy }[],
  onResult: (result: Extract<FromSweepWorker, { kind: "result" }>) => void,
): Promise<{ events: number; split: number | null }> {
  const worker = new Worker(WORKER_URL, { type: "module", name: "sweep" });
  return new Promise<{ events: number; split: number | null }>((resolve, reject) => {
    let loaded: { events: number; split: number | null };
    const next = () => {
      const trial = queue.shift();
      if (trial) worker.postMessage({ kind: "trial", ...trial } satisfies ToSweepWorker);
      else resolve(loaded);
    };
    worker.onmessage = (event: MessageEvent<FromSweepWorker>) => {
      const message = event.data;
      if (message.kind === "error") {
        queue.length = 0; // the other workers stop too
        return reject(new RangeError(message.message));
      }
      if (message.kind === "loaded") loaded = message;
      else onResult(message);
      next();
    };
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(`sweep worker failed: ${event.message}`));
    };
    worker.postMessage(load);
  }).finally(() => worker.terminate());
}
