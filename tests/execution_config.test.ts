import assert from "node:assert/strict";
import {
  DEFAULT_FILTERS,
  executionConfigSchema,
  filtersFor,
  resolveExecutionConfig,
  roundToStep,
  scaleOf,
} from "../engine/core/execution/mod.ts";

Deno.test("resolveExecutionConfig applies the documented defaults", () => {
  assert.deepEqual(resolveExecutionConfig(), {
    initial_cash: 10_000,
    maker_fee: 0.001,
    taker_fee: 0.001,
    slippage: { model: "fixed", bps: 10 },
    queue: "trade_through",
    max_volume_share: 1,
    latency_ms: 0,
    allow_short: false,
    quote_max_age_ms: 5_000,
  });
  const sqrt = resolveExecutionConfig({ slippage: { model: "sqrt" }, allow_short: true });
  assert.deepEqual(sqrt.slippage, { model: "sqrt", coefficient: 10, cap_bps: 100 });
  assert.equal(sqrt.allow_short, true);
});

Deno.test("invalid config throws a TypeError naming the path", () => {
  assert.throws(() => resolveExecutionConfig({ taker_fee: -1 }), (e: unknown) => {
    assert.ok(e instanceof TypeError);
    assert.match(e.message, /taker_fee/);
    return true;
  });
  assert.throws(() => resolveExecutionConfig({ slippage: { model: "magic" } }), TypeError);
  assert.throws(() => resolveExecutionConfig({ unknown_field: 1 }), TypeError);
  const parsed = executionConfigSchema.safeParse({ filters: { BTCUSDT: { tickSize: 0 } } });
  assert.equal(parsed.success, false);
  assert.deepEqual(parsed.error?.issues[0].path, ["filters", "BTCUSDT", "tickSize"]);
});

Deno.test("filtersFor: known pairs, fallback with base/quote split, overrides", () => {
  assert.deepEqual(filtersFor("btcusdt"), DEFAULT_FILTERS.BTCUSDT);
  assert.deepEqual(DEFAULT_FILTERS.BTCUSDT, {
    tickSize: 0.01,
    stepSize: 0.00001,
    minNotional: 5,
    base: "BTC",
    quote: "USDT",
  });
  assert.deepEqual(filtersFor("FOOETH"), {
    tickSize: 1e-8,
    stepSize: 1e-8,
    minNotional: 0,
    base: "FOO",
    quote: "ETH",
  });
  assert.equal(filtersFor("PEPEUSDC").base, "PEPE");
  assert.equal(filtersFor("ETHUSDT", { minNotional: 10 }).minNotional, 10);
});

Deno.test("roundToStep is free of binary drift", () => {
  assert.equal(scaleOf(0.00001), 100_000);
  assert.equal(scaleOf(1), 1);
  assert.equal(roundToStep(0.1 + 0.2, 0.1, 10, "down"), 0.3);
  assert.equal(roundToStep(0.30000001, 0.1, 10, "up"), 0.4);
  assert.equal(roundToStep(1.23456789, 0.00001, 100_000, "down"), 1.23456);
  assert.equal(roundToStep(60_000.005, 0.01, 100, "nearest"), 60_000.01);
  assert.equal(roundToStep(-0.0000001, 0.01, 100, "nearest"), 0);
  assert.ok(Object.is(roundToStep(-0.0000001, 0.01, 100, "nearest"), 0));
});
