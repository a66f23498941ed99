/**
 * Incremental performance metrics over a session: equity sampled on fixed
 * exchange-time boundaries, running sums (Welford) for the return statistics,
 * drawdown tracking and closed-trade statistics. State is plain JSON and O(1)
 * in size.
 */
import type { ClosedTrade, Fill } from "../execution/mod.ts";
import { DEFAULT_INITIAL_CAPITAL } from "../types.ts";

const YEAR_MS = 365 * 86_400_000;

/** The return of the sample being added (see {@link addSamples}). */
const sampleReturn = new Float64Array(1);

/** Returns needed before Sharpe, Sortino and Calmar mean something (docs/execution.md). */
export const MIN_RETURNS = 30;

/** Running metrics of one session (plain JSON). */
export interface MetricsState {
  interval_ms: number;
  initial_equity: number;
  /** Returns needed before the ratios are reported (null before). */
  min_returns: number;
  started: boolean;
  /** Next sampling boundary (exchange ms, a multiple of interval_ms). */
  next_boundary: number;
  /** Latest observed equity and exposure (carried into the next sample). */
  last_equity: number;
  last_exposed: boolean;
  /** Exchange time of the latest observation. */
  last_time: number;
  /** Exchange time of the first observation (0 before it, or in states saved before it existed). */
  first_time: number;
  samples: number;
  /** Time held exposed over the sampled intervals. */
  exposed_ms: number;
  /** Time held exposed since the latest sample boundary (goes into the next sample). */
  pending_exposed_ms: number;
  last_sample_time: number;
  /** Equity of the latest sample (initial_equity before the first). */
  sample_equity: number;
  ret_n: number;
  ret_mean: number;
  ret_m2: number;
  /** Σ min(r, 0)². */
  down_sq: number;
  peak: number;
  peak_time: number;
  max_drawdown: number;
  max_drawdown_duration_ms: number;
  max_drawdown_peak_time: number;
  /** Whether the max drawdown episode has not recovered yet. */
  max_drawdown_open: boolean;
  trades: number;
  wins: number;
  losses: number;
  gross_profit: number;
  gross_loss: number;
  pnl_sum: number;
  /** Executions (each partial fill counts). */
  fills: number;
  fees: number;
  slippage: number;
}

/**
 * One equity sample: the equity and exposure in effect just before `time` (a
 * sampling boundary). `periods` > 1 when a gap crossed several boundaries at
 * once: the sample then stands for the `periods` boundaries ending at `time`,
 * all with the same equity; a session also records points with `periods` 0 at
 * fills (chart points between boundaries, not returns). `exposed_ms` is the time a position was held
 * during those periods, from every observation. Persist all five fields.
 */
export interface EquitySample {
  time: number;
  equity: number;
  exposed: boolean;
  periods: number;
  exposed_ms: number;
}

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** Sampling interval in exchange ms (default 60,000). */
  interval_ms?: number;
  /** Equity at the start; the first return is measured against it. */
  initial_equity: number;
  /** Returns needed before the ratios are reported (default {@link MIN_RETURNS}). */
  min_returns?: number;
}

/** The metrics of a session. Ratios that are undefined (no data, zero divisor) are null. */
export interface Metrics {
  total_return: number;
  sharpe: number | null;
  sortino: number | null;
  calmar: number | null;
  max_drawdown: number;
  max_drawdown_duration_ms: number;
  win_rate: number | null;
  profit_factor: number | null;
  expectancy: number | null;
  avg_win: number | null;
  avg_loss: number | null;
  exposure: number;
  trade_count: number;
  /** Executions, each partial fill counted (a round trip has at least two). */
  fill_count: number;
  fees_paid: number;
  slippage_cost: number;
  equity: number;
  samples: number;
}

/** Fresh metrics state. */
export function createMetrics(
  options: MetricsOptions = { initial_equity: DEFAULT_INITIAL_CAPITAL },
): MetricsState {
  const interval = options.interval_ms ?? 60_000;
  if (!(interval > 0 && Number.isFinite(interval))) {
    throw new RangeError(`interval_ms must be a positive number, got ${interval}`);
  }
  if (!(options.initial_equity > 0 && Number.isFinite(options.initial_equity))) {
    throw new RangeError(`initial_equity must be a positive number, got ${options.initial_equity}`);
  }
  // Every field is written twice (the shape, then the values) and every number
  // starts as NaN (a double): a field first rewritten late in a run, or first
  // given a fraction or a large number then, changes the object's hidden class
  // and throws away the optimised code that reads it (until it is optimised
  // again, boundary samples run unoptimised, which boxes every number).
  const values: MetricsState = {
    interval_ms: interval,
    initial_equity: options.initial_equity,
    min_returns: options.min_returns ?? MIN_RETURNS,
    started: false,
    next_boundary: 0,
    last_equity: options.initial_equity,
    last_exposed: false,
    last_time: 0,
    first_time: 0,
    samples: 0,
    exposed_ms: 0,
    pending_exposed_ms: 0,
    last_sample_time: 0,
    sample_equity: options.initial_equity,
    ret_n: 0,
    ret_mean: 0,
    ret_m2: 0,
    down_sq: 0,
    peak: options.initial_equity,
    peak_time: 0,
    max_drawdown: 0,
    max_drawdown_duration_ms: 0,
    max_drawdown_peak_time: 0,
    max_drawdown_open: false,
    trades: 0,
    wins: 0,
    losses: 0,
    gross_profit: 0,
    gross_loss: 0,
    pnl_sum: 0,
    fills: 0,
    fees: 0,
    slippage: 0,
  };
  return Object.assign(metricsShape(), values);
}

/** Starts sampling: the first boundary strictly after `start` closes the first interval. */
export function startMetrics(state: MetricsState, firstBoundary: number): void {
  state.started = true;
  state.next_boundary = firstBoundary;
  state.peak_time = firstBoundary - state.interval_ms;
}

/**
 * Records `periods` samples of `equity` on the boundaries ending at `time`,
 * `exposed_ms` of which a position was held. O(1) whatever `periods` is (the
 * carried samples add zero returns in a batch). The sample comes in an object:
 * numbers handed to a call that is not inlined are boxed (an allocation each).
 */
export function addSamples(
  state: MetricsState,
  sample: Readonly<Omit<EquitySample, "exposed">>,
): void {
  const { time, equity, periods } = sample;
  const exposedMs = sample.exposed_ms;
  state.samples += periods;
  state.exposed_ms += exposedMs;
  // Chosen by a branch into a typed array: a number chosen by a condition is
  // boxed where this is not fully optimised (it runs once per sample).
  const ret = sampleReturn;
  ret[0] = 0;
  if (state.sample_equity > 0) ret[0] = equity / state.sample_equity - 1;
  const r = ret[0];
  state.ret_n++;
  const delta = r - state.ret_mean;
  state.ret_mean += delta / state.ret_n;
  state.ret_m2 += delta * (r - state.ret_mean);
  if (r < 0) state.down_sq += r * r;
  if (periods > 1) {
    const zeros = periods - 1;
    const n = state.ret_n + zeros;
    const d = -state.ret_mean;
    state.ret_m2 += d * d * state.ret_n * zeros / n;
    state.ret_mean += d * zeros / n;
    state.ret_n = n;
  }
  state.sample_equity = equity;
  state.last_sample_time = time;
  const first = time - (periods - 1) * state.interval_ms;
  if (equity >= state.peak) {
    if (state.max_drawdown_open) {
      state.max_drawdown_duration_ms = first - state.max_drawdown_peak_time;
      state.max_drawdown_open = false;
    }
    state.peak = equity;
    state.peak_time = time;
  } else if (state.peak > 0) {
    const dd = (state.peak - equity) / state.peak;
    if (dd > state.max_drawdown) {
      state.max_drawdown = dd;
      state.max_drawdown_peak_time = state.peak_time;
      state.max_drawdown_open = true;
    }
    if (state.max_drawdown_open) {
      state.max_drawdown_duration_ms = time - state.max_drawdown_peak_time;
    }
  }
}

/**
 * Observes the equity at exchange time `time` (call on every trade or any time
 * advance; times must not go backwards). When `time` reaches one or more
 * sampling boundaries, samples the equity in effect just before them (the
 * previous observation, carried) and returns that sample for the caller to
 * persist (charts, {@link computeMetrics}), written into `into` when given (no
 * allocation); otherwise returns null. O(1).
 */
export function observeEquity(
  state: MetricsState,
  time: number,
  equity: number,
  exposed: boolean,
  into?: EquitySample,
): EquitySample | null {
  const sample = into ?? { time, equity, exposed, periods: 0, exposed_ms: 0 };
  sample.time = time;
  sample.equity = equity;
  sample.exposed = exposed;
  return observeSample(state, sample);
}

/**
 * {@link observeEquity} of the observation in `sample` (its time, equity and
 * exposure): the sample taken, written into `sample`, or null (`sample` may
 * then be overwritten). No number crosses a call, where code that is not
 * fully optimised would box it.
 */
export function observeSample(state: MetricsState, sample: EquitySample): EquitySample | null {
  const time = sample.time;
  // Inside an interval (nearly every call) this stays small enough to be
  // inlined into the caller; past a boundary the observation goes on in the
  // sample object. Strict comparisons, not truthiness: a field's boolean is
  // not known to be one to the optimising compiler, which then tests it
  // against every falsy value.
  if (state.started !== true || time >= state.next_boundary) return observeBoundary(state, sample);
  const equity = sample.equity;
  const exposed = sample.exposed;
  // Time spent exposed counts only while the last observation held a position.
  // A store on each branch: a number chosen by a condition is boxed where this is not fully optimised.
  if (state.last_exposed === true) state.pending_exposed_ms += time - state.last_time;
  else state.pending_exposed_ms += 0;
  state.last_equity = equity;
  state.last_exposed = exposed;
  state.last_time = time;
  return null;
}

/**
 * {@link observeEquity} for the first observation and one that reaches a
 * sampling boundary: takes the observation in `sample` and returns the sample
 * taken in it (null, with `sample` overwritten, when none is taken).
 */
function observeBoundary(state: MetricsState, sample: EquitySample): EquitySample | null {
  const { time, equity, exposed } = sample;
  const interval = state.interval_ms;
  let taken: EquitySample | null = null;
  const held = state.last_exposed;
  if (!state.started) {
    startMetrics(state, (Math.floor(time / interval) + 1) * interval);
    state.first_time = time;
  } else {
    const periods = Math.floor((time - state.next_boundary) / interval) + 1;
    const at = state.next_boundary + (periods - 1) * interval;
    sample.time = at;
    sample.equity = state.last_equity;
    sample.exposed = held;
    sample.periods = periods;
    if (held) sample.exposed_ms = state.pending_exposed_ms + (at - state.last_time);
    else sample.exposed_ms = state.pending_exposed_ms + 0;
    addSamples(state, sample);
    state.next_boundary = at + interval;
    if (held) state.pending_exposed_ms = time - at;
    else state.pending_exposed_ms = 0;
    taken = sample;
  }
  state.last_equity = equity;
  state.last_exposed = exposed;
  state.last_time = time;
  return taken;
}

/** Counts a closed round trip (winner: pnl > 0, loser: pnl < 0). */
export function recordClosedTrade(state: MetricsState, trade: ClosedTrade): void {
  state.trades++;
  state.pnl_sum += trade.pnl;
  if (trade.pnl > 0) {
    state.wins++;
    state.gross_profit += trade.pnl;
  } else if (trade.pnl < 0) {
    state.losses++;
    state.gross_loss -= trade.pnl;
  }
}

/** Adds a fill's fee and slippage cost. */
export function recordFill(state: MetricsState, fill: Fill): void {
  state.fills++;
  state.fees += fill.fee;
  state.slippage += fill.slippage;
}

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** The metrics from the running sums. O(1). */
export function metricsOf(state: MetricsState): Metrics {
  const periodsPerYear = YEAR_MS / state.interval_ms;
  const n = state.ret_n;
  const std = n >= 2 ? Math.sqrt(state.ret_m2 / (n - 1)) : 0;
  const downside = n >= 1 ? Math.sqrt(state.down_sq / n) : 0;
  const growth = state.sample_equity / state.initial_equity;
  const annualised = state.samples > 0 && growth > 0
    ? Math.pow(growth, periodsPerYear / state.samples) - 1
    : NaN;
  const t = state.trades;
  const enough = n >= state.min_returns;
  // The time since the latest boundary (or the first observation) counts before it is sampled.
  const pendingFrom = Math.max(state.first_time, state.next_boundary - state.interval_ms);
  const pendingMs = state.started ? Math.max(0, state.last_time - pendingFrom) : 0;
  const observedMs = state.samples * state.interval_ms + pendingMs;
  return {
    total_return: state.last_equity / state.initial_equity - 1,
    sharpe: enough && std > 0 ? finite(state.ret_mean / std * Math.sqrt(periodsPerYear)) : null,
    sortino: enough && downside > 0
      ? finite(state.ret_mean / downside * Math.sqrt(periodsPerYear))
      : null,
    calmar: enough && state.max_drawdown > 0 ? finite(annualised / state.max_drawdown) : null,
    max_drawdown: state.max_drawdown,
    max_drawdown_duration_ms: state.max_drawdown_duration_ms,
    win_rate: t > 0 ? state.wins / t : null,
    profit_factor: state.gross_loss > 0 ? state.gross_profit / state.gross_loss : null,
    expectancy: t > 0 ? state.pnl_sum / t : null,
    avg_win: state.wins > 0 ? state.gross_profit / state.wins : null,
    avg_loss: state.losses > 0 ? -state.gross_loss / state.losses : null,
    exposure: observedMs > 0 ? (state.exposed_ms + state.pending_exposed_ms) / observedMs : 0,
    trade_count: t,
    fill_count: state.fills,
    fees_paid: state.fees,
    slippage_cost: state.slippage,
    equity: state.last_equity,
    samples: state.samples,
  };
}

/** A metrics state with the hidden class of a running one (see {@link createMetrics}). */
function metricsShape(): MetricsState {
  return {
    interval_ms: NaN,
    initial_equity: NaN,
    min_returns: NaN,
    started: false,
    next_boundary: NaN,
    last_equity: NaN,
    last_exposed: false,
    last_time: NaN,
    first_time: NaN,
    samples: NaN,
    exposed_ms: NaN,
    pending_exposed_ms: NaN,
    last_sample_time: NaN,
    sample_equity: NaN,
    ret_n: NaN,
    ret_mean: NaN,
    ret_m2: NaN,
    down_sq: NaN,
    peak: NaN,
    peak_time: NaN,
    max_drawdown: NaN,
    max_drawdown_duration_ms: NaN,
    max_drawdown_peak_time: NaN,
    max_drawdown_open: false,
    trades: NaN,
    wins: NaN,
    losses: NaN,
    gross_profit: NaN,
    gross_loss: NaN,
    pnl_sum: NaN,
    fills: NaN,
    fees: NaN,
    slippage: NaN,
  };
}
