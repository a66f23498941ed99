/**
 * The shape every benchmark reports, and the one way we measure: several runs
 * in one process, summarised as median, min and max.
 */

/** One benchmark figure as written to `bench/results/latest.json`. */
export interface Figure {
  readonly name: string;
  readonly unit: string;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** The target from the issue, when there is one. */
  readonly target?: number;
  readonly better: "lower" | "higher";
}

/** Options of {@link measure}. */
export interface MeasureOptions {
  readonly name: string;
  readonly unit: string;
  readonly better: "lower" | "higher";
  readonly target?: number;
  /** How many runs (at least 5). */
  readonly runs?: number;
}

/** Summarises samples as a {@link Figure} (median, min, max). */
export function summarise(samples: readonly number[], options: MeasureOptions): Figure {
  if (samples.length === 0) throw new RangeError(`no samples for figure '${options.name}'`);
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return {
    name: options.name,
    unit: options.unit,
    median,
    min: sorted[0],
    max: sorted[sorted.length - 1],
    target: options.target,
    better: options.better,
  };
}

/** Runs `run` `options.runs` times (default 5) and summarises what each run returned. */
export async function measure(
  run: () => number | Promise<number>,
  options: MeasureOptions,
): Promise<Figure> {
  const samples: number[] = [];
  for (let i = 0; i < Math.max(5, options.runs ?? 5); i++) samples.push(await run());
  return summarise(samples, options);
}

/** Options of a throughput figure in trades per second (higher is better). */
export function tradeRate(name: string, target?: number): MeasureOptions {
  return { name, unit: "trades/s", better: "higher", target };
}

/** Options of {@link measurePair}: each side's figure and the ratio's. */
export interface PairOptions {
  readonly a: MeasureOptions;
  readonly b: MeasureOptions;
  /** The figure of `a ÷ b`, run by run. */
  readonly ratio: MeasureOptions;
  /** How many runs of each (at least 5). */
  readonly runs?: number;
}

/**
 * Runs `a` and `b` alternately (at least 5 times each) and summarises each
 * and the ratio `a ÷ b` of every pair of runs: a pair runs under the same
 * load, so the ratio holds on a machine whose speed varies from run to run.
 */
export async function measurePair(
  a: () => number | Promise<number>,
  b: () => number | Promise<number>,
  options: PairOptions,
): Promise<[Figure, Figure, Figure]> {
  const as: number[] = [], bs: number[] = [], ratios: number[] = [];
  for (let i = 0; i < Math.max(5, options.runs ?? 5); i++) {
    as.push(await a());
    bs.push(await b());
    ratios.push(as[i] / bs[i]);
  }
  return [
    summarise(as, options.a),
    summarise(bs, options.b),
    summarise(ratios, options.ratio),
  ];
}

/** What a benchmark module's entry point is given. */
export interface BenchOptions {
  readonly quick: boolean;
  /** Reports a part of the benchmark that cannot run here, and why (the rest still runs). */
  readonly skip?: (reason: string) => void;
}

/** A benchmark module's entry point: returns its figures. */
export type Benchmark = (options: BenchOptions) => Promise<Figure[]>;

/**
 * Thrown by a benchmark that cannot run here at all (a server it needs does
 * not answer): reported, not failed. A part that cannot run is reported
 * through {@link BenchOptions.skip} instead.
 */
export class BenchSkipped extends Error {
  override readonly name = "BenchSkipped";
}
