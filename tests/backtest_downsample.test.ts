/** The bounded chart series: budget kept, extremes and the last value preserved. */
import assert from "node:assert/strict";
import fc from "fast-check";
import { Downsampler } from "../engine/core/backtest/mod.ts";

Deno.test("Downsampler keeps its budget, the extremes and the last value", () => {
  fc.assert(fc.property(
    fc.array(
      fc.tuple(fc.integer({ min: 0, max: 5_000 }), fc.double({ min: 1, max: 1e6, noNaN: true })),
      {
        minLength: 1,
        maxLength: 400,
      },
    ),
    fc.integer({ min: 2, max: 20 }),
    (steps, maxPoints) => {
      const series = new Downsampler({ maxPoints, widthMs: 1 });
      let time = 0;
      const values: number[] = [];
      for (const [dt, value] of steps) {
        time += dt;
        series.add({ time, value });
        values.push(value);
      }
      const points = series.points();
      assert.ok(points.length <= maxPoints);
      assert.equal(points.at(-1)![0], time);
      assert.equal(points.at(-1)![3], values.at(-1));
      assert.equal(Math.min(...points.map((p) => p[1])), Math.min(...values));
      assert.equal(Math.max(...points.map((p) => p[2])), Math.max(...values));
      for (let i = 1; i < points.length; i++) assert.ok(points[i][0] > points[i - 1][0]);
      for (const [, low, high, last] of points) assert.ok(low <= last && last <= high);
    },
  ));
});

/** The buckets as one division per value places them (the rule the series must keep exactly). */
function divided(values: readonly [number, number][], widthMs: number): number[][] {
  const out: number[][] = [];
  let last = NaN;
  for (const [time, value] of values) {
    const bucket = Math.floor(time / widthMs);
    const open = out.at(-1);
    if (open && bucket === last) {
      open[0] = time;
      open[1] = Math.min(open[1], value);
      open[2] = Math.max(open[2], value);
      open[3] = value;
    } else out.push([time, value, value, value]);
    last = bucket;
  }
  return out;
}

Deno.test("Downsampler places fractional times at bucket edges exactly as a division does", () => {
  const widths = [1000, 60_000, 1000.5, 7, 3];
  fc.assert(fc.property(
    fc.constantFrom(...widths),
    fc.array(
      fc.tuple(
        fc.integer({ min: 0, max: 3 }),
        fc.constantFrom(-1e-3, -1e-6, -2.5e-4, 0, 1e-6, 2.5e-4, 1e-3, 0.5),
        fc.double({ min: 1, max: 1e6, noNaN: true }),
      ),
      { minLength: 1, maxLength: 300 },
    ),
    (width, steps) => {
      // Times on or a hair off the bucket edges of a 2026 exchange clock, never backwards.
      let edge = Math.ceil(Date.UTC(2026, 0, 1) / width);
      let time = 0;
      const values: [number, number][] = [];
      for (const [edges, offset, value] of steps) {
        edge += edges;
        time = Math.max(time, edge * width + offset);
        values.push([time, value]);
      }
      const series = new Downsampler({ maxPoints: values.length + 1, widthMs: width });
      for (const [t, value] of values) series.add({ time: t, value });
      assert.deepEqual(series.points(), divided(values, width));
    },
  ));
});
