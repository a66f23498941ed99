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

Deno.test("a portfolio's chart shows the markers of the symbol it shows", () => {
  const fills = [
    { time: 1_000, price: 101, side: "buy", symbol: "BTCUSDT" },
    { time: 2_000, price: 51, side: "buy", symbol: "ETHUSDT" },
  ];
  assert.deepEqual(markerPoints(fills, "buy", "ETHUSDT"), [{ x: 2_000, y: 51 }]);
  assert.deepEqual(markerPoints(fills, "buy", "BTCUSDT"), [{ x: 1_000, y: 101 }]);
});
