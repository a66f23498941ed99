import assert from "node:assert/strict";
import { parseStrategy } from "../engine/core/strategy/mod.ts";
import { resolveExecutionConfig } from "../engine/core/execution/mod.ts";
import { settledWithin } from "../engine/runtime/deadline.ts";
import {
  WARM_CANDLES,
  Warmup,
  WARMUP_STRATEGY,
  warmUpInSlices,
} from "../engine/runtime/session_warmup.ts";

Deno.test("the warm-up strategy is written exactly as validation gives it", () => {
  const { indicators: _, risk: __, orders: ___, ...source } = WARMUP_STRATEGY;
  const parsed = parseStrategy(source);
  assert.ok(parsed.ok, JSON.stringify(parsed));
  assert.deepEqual(WARMUP_STRATEGY, parsed.strategy);
});

Deno.test("a worker's warm-up session fills on every candle, so it runs the whole code of a fill thousands of times", () => {
  const warmup = new Warmup(resolveExecutionConfig({}));
  warmup.step(10);
  // In on the first close, out on the next: one fill a candle from the second on.
  assert.ok(warmup.fills >= 8, `fills in 10 candles: ${warmup.fills}`);
  warmup.step(WARM_CANDLES - 10);
  assert.ok(
    warmup.fills >= WARM_CANDLES - 2,
    `fills in ${WARM_CANDLES} candles: ${warmup.fills}`,
  );
});

Deno.test("a warm-up that cannot trade with a session's settings ends without an uncaught error", async () => {
  // Settings the session core cannot read make the throwaway session throw: the slices must swallow it.
  const execution = null as never;
  assert.throws(() => new Warmup(execution).step(5), TypeError);
  // Uncaught errors in a timer would fail this test.
  assert.ok(await settledWithin(warmUpInSlices(execution), 30_000), "the warm-up to end");
});
