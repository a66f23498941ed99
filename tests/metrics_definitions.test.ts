import assert from "node:assert/strict";
import fc from "fast-check";
import type { ClosedTrade, Fill } from "../engine/core/execution/mod.ts";
import {
  computeMetrics,
  createMetrics,
  type EquitySample,
  metricsOf,
  MIN_RETURNS,
  observeEquity,
  recordClosedTrade,
  recordFill,
} from "../engine/core/metrics/mod.ts";

function near(actual: number | null, expected: number, what: string): void {
  assert.ok(actual !== null, `${what} is null`);
  assert.ok(
    Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)),
    `${what}: expected ${expected}, got ${actual}`,
  );
}

function closed(pnl: number, id = "t"): ClosedTrade {
  return {
    id,
    symbol: "XYZUSDT",
    side: "long",
    entry_time: 0,
    exit_time: 1,
    entry_price: 100,
    exit_price: 100,
    quantity: 1,
    pnl,
    fees: 0.1,
  };
}

function fill(fee: number, slippage: number): Fill {
  return {
    id: "f",
    order_id: "o",
    symbol: "XYZUSDT",
    side: "buy",
    price: 100,
    quantity: 1,
    fee,
    liquidity: "taker",
    slippage,
    time: 0,
  };
}

const MINUTES_PER_YEAR = 525_600;

Deno.test("hand-computed fixture: sampling, returns, drawdown, exposure, trade stats", () => {
  const state = createMetrics({ initial_equity: 100, min_returns: 6 });
  const observations: [number, number, boolean][] = [
    [0, 100, true],
    [30_000, 110, true],
    [60_000, 105, false], // boundary 60 000 samples the carried 110 (exposed)
    [120_000, 99, false], // samples 105 (not exposed)
    [300_000, 120, true], // boundaries 180 000..300 000: three samples of 99
    [360_000, 130, true], // samples 120 (exposed)
  ];
  const samples = observations.map(([t, e, x]) => observeEquity(state, t, e, x));
  assert.deepEqual(samples, [
    null,
    null,
    { time: 60_000, equity: 110, exposed: true, periods: 1, exposed_ms: 60_000 },
    { time: 120_000, equity: 105, exposed: false, periods: 1, exposed_ms: 0 },
    { time: 300_000, equity: 99, exposed: false, periods: 3, exposed_ms: 0 },
    { time: 360_000, equity: 120, exposed: true, periods: 1, exposed_ms: 60_000 },
  ]);
  for (const pnl of [10, -5, 0, 20]) recordClosedTrade(state, closed(pnl));
  recordFill(state, fill(0.25, 0.5));
  recordFill(state, fill(0.75, 0));
  const m = metricsOf(state);

  const returns = [0.1, 105 / 110 - 1, 99 / 105 - 1, 0, 0, 120 / 99 - 1];
  const mean = returns.reduce((a, b) => a + b) / 6;
  const variance = returns.reduce((a, r) => a + (r - mean) ** 2, 0) / 5;
  const downside = Math.sqrt(returns.reduce((a, r) => a + Math.min(r, 0) ** 2, 0) / 6);
  near(m.sharpe, mean / Math.sqrt(variance) * Math.sqrt(MINUTES_PER_YEAR), "sharpe");
  near(m.sortino, mean / downside * Math.sqrt(MINUTES_PER_YEAR), "sortino");
  near(m.max_drawdown, 0.1, "max drawdown"); // 110 → 99
  assert.equal(m.max_drawdown_duration_ms, 300_000); // peak at 60 000, recovered at 360 000
  assert.equal(m.calmar, null); // annualised return overflows over 6 minutes
  near(m.total_return, 0.3, "total return");
  assert.equal(m.equity, 130);
  assert.equal(m.samples, 6);
  near(m.exposure, 2 / 6, "exposure");
  assert.equal(m.trade_count, 4);
  assert.equal(m.win_rate, 0.5);
  assert.equal(m.profit_factor, 6);
  assert.equal(m.expectancy, 6.25);
  assert.equal(m.avg_win, 15);
  assert.equal(m.avg_loss, -5);
  assert.equal(m.fees_paid, 1);
  assert.equal(m.slippage_cost, 0.5);
});

Deno.test("calmar and an open drawdown measured to now, daily interval", () => {
  const day = 86_400_000;
  const state = createMetrics({ interval_ms: day, initial_equity: 1000, min_returns: 3 });
  observeEquity(state, 0, 1000, false);
  observeEquity(state, day - 1, 1100, true);
  observeEquity(state, day, 990, true); // samples 1100 at day 1
  observeEquity(state, 2 * day, 1045, true); // samples 990 at day 2 (dd 10%)
  observeEquity(state, 3 * day, 1045, true); // samples 1045 at day 3, still below the peak
  const m = metricsOf(state);
  near(m.max_drawdown, 0.1, "max drawdown");
  assert.equal(m.max_drawdown_duration_ms, 2 * day); // from the peak (day 1) to now (day 3)
  near(m.calmar, ((1045 / 1000) ** (365 / 3) - 1) / 0.1, "calmar");
});

Deno.test("empty and undefined ratios are null", () => {
  const m = metricsOf(createMetrics({ initial_equity: 50 }));
  assert.deepEqual(
    [m.sharpe, m.sortino, m.calmar, m.win_rate, m.profit_factor, m.expectancy],
    [null, null, null, null, null, null],
  );
  assert.deepEqual([m.total_return, m.equity, m.samples, m.exposure], [0, 50, 0, 0]);
  assert.throws(() => createMetrics({ initial_equity: 0 }), RangeError);
});

Deno.test("a fresh metrics state gives every field its starting value", () => {
  const state = createMetrics({ interval_ms: 30_000, initial_equity: 250, min_returns: 5 });
  assert.deepEqual(state, {
    interval_ms: 30_000,
    initial_equity: 250,
    min_returns: 5,
    started: false,
    next_boundary: 0,
    last_equity: 250,
    last_exposed: false,
    last_time: 0,
    first_time: 0,
    samples: 0,
    exposed_ms: 0,
    pending_exposed_ms: 0,
    last_sample_time: 0,
    sample_equity: 250,
    ret_n: 0,
    ret_mean: 0,
    ret_m2: 0,
    down_sq: 0,
    peak: 250,
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
  });
  assert.deepEqual(JSON.parse(JSON.stringify(state)), state, "plain JSON");
});

Deno.test("incremental metrics equal the one-pass computation over the emitted samples", () => {
  const step = fc.record({
    dt: fc.oneof(fc.integer({ min: 0, max: 90_000 }), fc.integer({ min: 0, max: 1_000_000 })),
    equity: fc.integer({ min: 5_000, max: 15_000 }),
    exposed: fc.boolean(),
  });
  fc.assert(
    fc.property(
      fc.array(step, { minLength: 1, maxLength: 200 }),
      fc.array(fc.integer({ min: -500, max: 500 }), { maxLength: 20 }),
      fc.constantFrom(1_000, 60_000),
      (steps, pnls, interval) => {
        const options = { interval_ms: interval, initial_equity: 10_000 };
        const state = createMetrics(options);
        const samples: EquitySample[] = [];
        let time = 1_700_000_000_123;
        for (const s of steps) {
          time += s.dt;
          const sample = observeEquity(state, time, s.equity, s.exposed);
          if (sample !== null) samples.push(sample);
        }
        const trades = pnls.map((p, i) => closed(p, `t${i}`));
        const fills = pnls.map((p) => fill(Math.abs(p) / 1000, Math.abs(p) / 2000));
        for (const t of trades) recordClosedTrade(state, t);
        for (const f of fills) recordFill(state, f);
        const finalEquity = steps[steps.length - 1].equity;
        const incremental = metricsOf(state);
        const onePass = computeMetrics(samples, trades, fills, {
          ...options,
          final_equity: finalEquity,
        });
        // The samples end at the last boundary: the one-pass exposure leaves out the time since.
        const { exposure, ...sampled } = incremental;
        assert.ok(exposure >= 0 && exposure <= 1, `exposure ${exposure} is a share of the time`);
        assert.deepEqual({ ...onePass, exposure }, incremental);
        const bare = samples.map(({ time, equity, exposed, exposed_ms }, i) =>
          i === 0 ? samples[0] : { time, equity, exposed, exposed_ms }
        );
        const { exposure: _, ...bareMetrics } = computeMetrics(bare, trades, fills, {
          ...options,
          final_equity: finalEquity,
        });
        assert.deepEqual(bareMetrics, sampled);
        assert.deepEqual(JSON.parse(JSON.stringify(state)), state);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("exposure is time-weighted over every observation, not read at the boundaries", () => {
  const state = createMetrics({ initial_equity: 100 });
  observeEquity(state, 0, 100, false);
  observeEquity(state, 15_000, 100, true); // a position held from 15 s …
  observeEquity(state, 45_000, 100, false); // … to 45 s: half of the first minute
  const sample = observeEquity(state, 60_000, 100, false);
  assert.equal(sample?.exposed_ms, 30_000);
  near(metricsOf(state).exposure, 0.5, "exposure");
  assert.equal(computeMetrics([sample!], [], [], { initial_equity: 100 }).exposure, 0.5);
});

Deno.test("exposure counts the time held before the first boundary and since the latest one", () => {
  const state = createMetrics({ initial_equity: 100 });
  observeEquity(state, 10_000, 100, false);
  observeEquity(state, 20_000, 100, true); // held from 20 s …
  observeEquity(state, 40_000, 100, true); // … to now: 20 s of the 30 s observed
  near(metricsOf(state).exposure, 2 / 3, "exposure before the first boundary");
  observeEquity(state, 60_000, 100, false); // the first sample: 40 s held, counted as 1 minute
  observeEquity(state, 75_000, 100, true); // flat from 60 s to 75 s …
  observeEquity(state, 90_000, 100, true); // … held from 75 s to 90 s
  near(metricsOf(state).exposure, (40_000 + 15_000) / 90_000, "exposure since the boundary");
});

Deno.test("ratios stay null until there are enough returns to mean something", () => {
  const state = createMetrics({ initial_equity: 100 });
  let time = 0;
  const step = (equity: number) => observeEquity(state, time += 60_000, equity, true);
  observeEquity(state, 0, 100, true);
  for (let i = 1; i < MIN_RETURNS; i++) step(i % 2 ? 99 : 101);
  const early = metricsOf(state);
  assert.ok(early.max_drawdown > 0 && state.ret_n === MIN_RETURNS - 1);
  assert.deepEqual([early.sharpe, early.sortino, early.calmar], [null, null, null]);
  step(100);
  const later = metricsOf(state);
  assert.equal(state.ret_n, MIN_RETURNS);
  assert.ok(later.sharpe !== null && later.sortino !== null, "sharpe and sortino once enough");
});
