/**
 * Cross-symbol rules by hand: a spread of two symbols and its z-score, legs
 * that open and close together, and validation of references and legs by path.
 */
import assert from "node:assert/strict";
import { PortfolioCore, SessionCore, type SessionEffect } from "../engine/core/session/mod.ts";
import { resolveExecutionConfig } from "../engine/core/execution/mod.ts";
import {
  parseStrategy,
  type Strategy,
  symbolReferenceProblems,
} from "../engine/core/strategy/mod.ts";
import type { Trade } from "../engine/core/types.ts";
import { T0, tradeAt as trade } from "./support/trades.ts";

const execution = resolveExecutionConfig({
  initial_cash: 10_000,
  maker_fee: 0,
  taker_fee: 0,
  slippage: { model: "fixed", bps: 0 },
  allow_short: true,
});

const PAIRS = `
version: 1
name: pairs
timeframe: 1s
indicators:
  z: { type: ZSCORE, period: 3, input: { sub: [close(AAAUSDT), { mul: [2, close(BBBUSDT)] }] } }
entry:
  long: { lt: [z, -1] }
exit:
  long: { gt: [z, 0] }
sizing: { type: fixed_quantity, value: 1 }
legs:
  - { symbol: AAAUSDT, side: long }
  - { symbol: BBBUSDT, side: short }
`;

function parsed(text: string): Strategy {
  const result = parseStrategy(text);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.strategy;
}

function errorsOf(text: string): { path: string; message: string }[] {
  const result = parseStrategy(text);
  assert.equal(result.ok, false, "the document should be refused");
  return result.ok ? [] : result.errors;
}

/**
 * Second k: BBB trades at k·1000, AAA at k·1000 + 10, so when AAA's trade
 * closes its candle k − 1, BBB's candle k − 1 is closed too. Spread of the
 * closed candles, A − 2·B: 0, 2, −2, 1.
 */
const PRICES: [number, number][] = [[100, 50], [102, 50], [100, 51], [101, 50], [104, 52]];
const STREAM: Trade[] = PRICES.flatMap(([a, b], k) => [
  trade("BBBUSDT", k * 1000, b, k + 1),
  trade("AAAUSDT", k * 1000 + 10, a, k + 1),
]);

function pairs(): PortfolioCore {
  return new PortfolioCore({ symbols: ["AAAUSDT", "BBBUSDT"], strategy: parsed(PAIRS), execution });
}

function run(core: PortfolioCore, stream: readonly Trade[]): SessionEffect[] {
  const out: SessionEffect[] = [];
  for (const event of stream) core.step(event, out);
  return out;
}

Deno.test("the z-score of a spread of two symbols, by hand", () => {
  const signals = run(pairs(), STREAM).flatMap((e) => e.type === "signal" ? [e] : []);
  const rules = signals.filter((s) => s.symbol === "AAAUSDT");
  assert.deepEqual(rules.map((s) => s.signal.rule), ["entry.long", "exit.long"]);
  // Spreads 0, 2, −2: mean 0, population sd √(8/3) → z = −2 / 1.63299 = −1.22474.
  assert.ok(Math.abs(rules[0].signal.values.z - -2 / Math.sqrt(8 / 3)) < 1e-12);
  // Spreads 2, −2, 1: mean 1/3, variance 78/27 → z = (2/3) / 1.69967 = 0.39223.
  assert.ok(Math.abs(rules[1].signal.values.z - (2 / 3) / Math.sqrt(78 / 27)) < 1e-12);
});

Deno.test("legs open together and close together, at each symbol's price", () => {
  const core = pairs();
  const out = run(core, STREAM);
  const fills = out.flatMap((e) => e.type === "fill" ? [e.fill] : []);
  // Entry at second 3 (AAA 101, BBB 50): long AAA, short BBB; exit at second 4 (AAA 104, BBB 52).
  assert.deepEqual(fills.map((f) => [f.symbol, f.side, f.quantity, f.price, f.time - T0]), [
    ["AAAUSDT", "buy", 1, 101, 3010],
    ["BBBUSDT", "sell", 1, 50, 3010],
    ["AAAUSDT", "sell", 1, 104, 4010],
    ["BBBUSDT", "buy", 1, 52, 4010],
  ]);
  const trades = out.flatMap((e) => e.type === "trade_closed" ? [e.trade] : []);
  assert.deepEqual(trades.map((t) => [t.symbol, t.pnl]), [["AAAUSDT", 3], ["BBBUSDT", -2]]);
  const view = core.view();
  assert.equal(view.per_symbol.AAAUSDT.position.quantity, 0);
  assert.equal(view.per_symbol.BBBUSDT.position.quantity, 0);
  assert.equal(view.cash, 10_000 + 3 - 2);
});

Deno.test("closing one leg closes the others", () => {
  const core = pairs();
  const out = run(core, STREAM.slice(0, 8)); // through the entry at second 3
  assert.equal(core.view().per_symbol.BBBUSDT.position.quantity, -1);
  const from = out.length;
  core.closePosition(out, "BBBUSDT");
  const fills = out.slice(from).flatMap((e) => e.type === "fill" ? [e.fill] : []);
  assert.deepEqual(fills.map((f) => [f.symbol, f.side, f.price]), [
    ["BBBUSDT", "buy", 50],
    ["AAAUSDT", "sell", 101],
  ]);
  assert.equal(core.view().per_symbol.AAAUSDT.position.quantity, 0);
});

Deno.test("a leg that cannot open closes the legs that did", () => {
  const noShorts = resolveExecutionConfig({ ...execution, allow_short: false });
  const core = new PortfolioCore({
    symbols: ["AAAUSDT", "BBBUSDT"],
    strategy: parsed(PAIRS),
    execution: noShorts,
  });
  const out = run(core, STREAM.slice(0, 8));
  const ignored = out.flatMap((e) =>
    e.type === "signal" && e.action === "ignored" ? [[e.symbol, e.note]] : []
  );
  assert.deepEqual(ignored, [["BBBUSDT", "short selling is disabled for this session"]]);
  assert.equal(core.view().per_symbol.AAAUSDT.position.quantity, 0);
});

Deno.test("cross-symbol references and legs: errors by path", () => {
  const base = PAIRS.replace(/legs:[\s\S]*$/, "");
  assert.deepEqual(
    errorsOf(base.replace("close(BBBUSDT)", "close(BBB-USDT)")).map((e) => e.path),
    ["indicators.z.input.sub[1].mul[1]"],
  );
  assert.match(
    errorsOf(base.replace("lt: [z, -1]", "lt: [price(BBBUSDT), 1]"))[0].message,
    /invalid cross-symbol reference 'price\(BBBUSDT\)'/,
  );
  const indicatorInExpression = errorsOf(
    base.replace("z: {", "m: { type: SMA, period: 2 }\n  z: {").replace(
      "close(AAAUSDT), {",
      "m, {",
    ),
  );
  assert.deepEqual(indicatorInExpression.map((e) => e.path), ["indicators.z.input.sub[0]"]);
  assert.deepEqual(
    errorsOf(
      `${base}legs:\n  - { symbol: AAAUSDT, side: short }\n  - { symbol: BBBUSDT, side: long }\n`,
    )
      .map((e) => e.path),
    ["legs[0].side"],
  );
  assert.deepEqual(
    errorsOf(
      `${base}legs:\n  - { symbol: AAAUSDT, side: long }\n  - { symbol: aaausdt, side: short }\n`,
    )
      .map((e) => e.path),
    ["legs[1].symbol"],
  );
});

Deno.test("a session's symbols: unknown symbols by path, single symbols refused", () => {
  const strategy = parsed(PAIRS);
  assert.deepEqual(symbolReferenceProblems(strategy, ["AAAUSDT", "CCCUSDT"]).map((p) => p.path), [
    "legs[1].symbol",
    "indicators.z.input.sub[1].mul[1]",
  ]);
  assert.match(
    symbolReferenceProblems(strategy, ["AAAUSDT", "CCCUSDT"])[0].message,
    /unknown symbol 'BBBUSDT' \(this session's symbols: AAAUSDT, CCCUSDT\)/,
  );
  assert.throws(
    () => new PortfolioCore({ symbols: ["AAAUSDT", "CCCUSDT"], strategy, execution }),
    /legs\[1\]\.symbol: unknown symbol 'BBBUSDT'/,
  );
  assert.throws(
    () => new SessionCore({ symbol: "AAAUSDT", strategy, execution }),
    /cross-symbol rules and legs need a portfolio session or backtest over several symbols/,
  );
});
