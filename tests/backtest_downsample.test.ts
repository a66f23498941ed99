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
