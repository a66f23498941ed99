import assert from "node:assert/strict";
import { resolveExecutionConfig } from "../engine/core/execution/mod.ts";
import { PortfolioCore, type SessionEffect } from "../engine/core/session/mod.ts";
import {
  compileStrategy,
  parseStrategy,
  type Signal,
  StrategyEvaluator,
} from "../engine/core/strategy/mod.ts";

const NAMES = ["ema_cross", "rsi_reversion", "bollinger_breakout", "macd_trend"];

/** A deterministic trending, mean-reverting random walk with occasional jumps, as trades. */
function* trades(count: number) {
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  let price = 30_000;
  for (let i = 0; i < count; i++) {
    const jump = rand() < 0.01 ? (rand() - 0.5) * 0.02 : 0;
    price *= 1 + (rand() - 0.5) * 0.002 + 0.0004 * Math.sin(i / 300) + jump;
    yield {
      type: "trade",
      symbol: "BTCUSDT",
      id: i,
      price,
      qty: rand(),
      time: i * 5_000,
      buyerMaker: false,
    } as const;
  }
}

for (const name of NAMES) {
  Deno.test(`example strategy ${name} validates, runs and signals`, async () => {
    const text = await Deno.readTextFile(new URL(`../strategies/${name}.yaml`, import.meta.url));
    const parsed = parseStrategy(text);
    assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.errors));
    const compiled = compileStrategy(parsed.strategy);
    const signals: Signal[] = [];
    const evaluator = new StrategyEvaluator(compiled, {
      onSignal: (s) => {
        signals.push(s);
        if (s.kind === "exit") {
          evaluator.setPosition("flat", 0);
          evaluator.startCooldown();
        } else evaluator.setPosition(s.side, 1);
      },
    });
    for (const t of trades(60_000)) evaluator.onTrade(t);
    assert.ok(signals.length >= 2, `${name}: ${signals.length} signals`);
    assert.ok(signals.some((s) => s.kind === "exit"), `${name}: an exit`);
    for (const s of signals) assert.ok(s.reason.length > 0 && Number.isFinite(s.price));
    assert.deepEqual(evaluator.warmup(), {
      done: compiled.warmupCandles,
      total: compiled.warmupCandles,
    });
    if (name === "ema_cross") assert.ok(compiled.warmupCandles <= 25, "short warm-up");
    if (name === "macd_trend") {
      const entry = signals.find((s) => s.kind === "entry")!;
      assert.ok(entry);
      assert.ok(evaluator.stopLossPrice("long", 100)! < 100);
    }
  });
}

Deno.test("example strategy pairs_spread opens and closes its two legs together", async () => {
  const text = await Deno.readTextFile(new URL("../strategies/pairs_spread.yaml", import.meta.url));
  const parsed = parseStrategy(text);
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.errors));
  const core = new PortfolioCore({
    symbols: ["ETHUSDT", "BTCUSDT"],
    strategy: parsed.strategy,
    execution: resolveExecutionConfig({ initial_cash: 10_000, allow_short: true }),
  });
  const out: SessionEffect[] = [];
  let i = 0;
  for (const btc of trades(60_000)) {
    core.step(btc, out);
    // ETH follows 0.05 · BTC with a slow swing of ±1 % around it: a spread that reverts.
    const eth = btc.price * 0.05 * (1 + 0.01 * Math.sin(i++ / 150));
    core.step({ ...btc, symbol: "ETHUSDT", price: eth, time: btc.time + 1 }, out);
  }
  const fills = out.flatMap((e) => e.type === "fill" ? [e.fill] : []);
  const entries = fills.filter((f) => f.tag === "entry.long" || f.tag === "entry.short");
  assert.ok(entries.length >= 4, `${entries.length} entry fills`);
  // Every entry of ETH comes with the opposite entry of BTC at the same moment.
  const eth = entries.filter((f) => f.symbol === "ETHUSDT");
  const btc = entries.filter((f) => f.symbol === "BTCUSDT");
  assert.deepEqual(
    btc.map((f) => [f.time, f.side]),
    eth.map((f) => [f.time, f.side === "buy" ? "sell" : "buy"]),
  );
  // And every round trip of one leg ends when the other's does.
  const closed = out.flatMap((e) => e.type === "trade_closed" ? [e.trade] : []);
  const exits = (symbol: string) =>
    closed.filter((t) => t.symbol === symbol).map((t) => t.exit_time);
  assert.ok(closed.length >= 4, `${closed.length} round trips`);
  assert.deepEqual(exits("BTCUSDT"), exits("ETHUSDT"));
});
