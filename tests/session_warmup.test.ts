import assert from "node:assert/strict";
import { parseStrategy } from "../engine/core/strategy/mod.ts";
import { resolveExecutionConfig } from "../engine/core/execution/mod.ts";
import {
  WARM_CANDLES,
  Warmup,
  WARMUP_EXECUTION,
  WARMUP_STRATEGY,
} from "../engine/runtime/session_warmup.ts";

Deno.test("the warm-up's strategy and execution settings are written exactly as validation gives them", () => {
  assert.deepEqual(WARMUP_EXECUTION, resolveExecutionConfig({}));
  const { indicators: _, risk: __, orders: ___, ...source } = WARMUP_STRATEGY;
  const parsed = parseStrategy(source);
  assert.ok(parsed.ok, JSON.stringify(parsed));
  assert.deepEqual(WARMUP_STRATEGY, parsed.strategy);
});

Deno.test("a worker's warm-up session fills on every candle, so it runs the whole code of a fill thousands of times", () => {
  const warmup = new Warmup();
  warmup.step(10);
  // In on the first close, out on the next: one fill a candle from the second on.
  assert.ok(warmup.fills >= 8, `fills in 10 candles: ${warmup.fills}`);
  warmup.step(WARM_CANDLES - 10);
  assert.ok(
    warmup.fills >= WARM_CANDLES - 2,
    `fills in ${WARM_CANDLES} candles: ${warmup.fills}`,
  );
});
