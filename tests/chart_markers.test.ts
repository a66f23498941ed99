import assert from "node:assert/strict";
import { markerPoints } from "../islands/_chart.ts";

Deno.test("trade markers reach the chart oldest first, whatever order the fills came in", () => {
  const newestFirst = [
    { time: 3_000, price: 103, side: "sell" },
    { time: 2_000, price: 102, side: "buy" },
    { time: 1_000, price: 101, side: "buy" },
  ];
  assert.deepEqual(markerPoints(newestFirst, "buy"), [{ x: 1_000, y: 101 }, { x: 2_000, y: 102 }]);
  assert.deepEqual(markerPoints(newestFirst, "sell"), [{ x: 3_000, y: 103 }]);
});
