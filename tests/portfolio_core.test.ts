/**
 * Portfolio sessions by hand: two symbols, one wallet, no fees or slippage,
 * a strategy that enters long on the first closed 1s candle and never exits.
 */
import assert from "node:assert/strict";
import { PortfolioCore, type SessionEffect } from "../engine/core/session/mod.ts";
import { resolveExecutionConfig } from "../engine/core/execution/mod.ts";
import { parseStrategy, type Strategy } from "../engine/core/strategy/mod.ts";
import type { Trade } from "../engine/core/types.ts";
import { tradeAt as trade } from "./support/trades.ts";

const execution = resolveExecutionConfig({
  initial_cash: 10_000,
  maker_fee: 0,
  taker_fee: 0,
  slippage: { model: "fixed", bps: 0 },
});

function strategy(sizing: string, portfolio = ""): Strategy {
  const parsed = parseStrategy(`
version: 1
name: always-long
timeframe: 1s
entry:
  long: { gt: [close, 0] }
sizing: ${sizing}
${portfolio}
`);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.strategy;
}

/** AAAUSDT 100 → 101 → 103, BBBUSDT 50 → 51 → 48; each second's first trade closes the previous candle. */
const STREAM: Trade[] = [
  trade("AAAUSDT", 0, 100, 1),
  trade("BBBUSDT", 10, 50, 1),
  trade("AAAUSDT", 1_000, 101, 2),
  trade("BBBUSDT", 1_010, 51, 2),
  trade("AAAUSDT", 2_000, 103, 3),
  trade("BBBUSDT", 2_010, 48, 3),
];

function run(core: PortfolioCore, stream: readonly Trade[] = STREAM): SessionEffect[] {
  const out: SessionEffect[] = [];
  for (const event of stream) core.step(event, out);
  return out;
}

function fillsOf(effects: SessionEffect[]) {
  return effects.flatMap((e) => e.type === "fill" ? [e.fill] : []);
}

Deno.test("two symbols trade one wallet: cash is the sum of the fills over both", () => {
  const core = new PortfolioCore({
    symbols: ["AAAUSDT", "BBBUSDT"],
    strategy: strategy("{ type: fixed_quantity, value: 2 }"),
    execution,
  });
  const fills = fillsOf(run(core));
  // Candles close at t=1000 (AAA) and t=1010 (BBB): buy 2 at 101 and 2 at 51.
  assert.deepEqual(fills.map((f) => [f.symbol, f.side, f.quantity, f.price]), [
    ["AAAUSDT", "buy", 2, 101],
    ["BBBUSDT", "buy", 2, 51],
  ]);
  const view = core.view();
  assert.equal(view.cash, 10_000 - 2 * 101 - 2 * 51); // 9,696
  // Marked at 103 and 48: 9,696 + 206 + 96 = 9,998.
  assert.equal(view.equity, 9_998);
  assert.equal(view.per_symbol.AAAUSDT.position.quantity, 2);
  assert.equal(view.per_symbol.BBBUSDT.position.unrealized_pnl, -6);
  // Each symbol's equity starts from half the cash: 5,000 + 4 and 5,000 − 6.
  assert.equal(view.per_symbol.AAAUSDT.metrics.equity, 5_004);
  assert.equal(view.per_symbol.BBBUSDT.metrics.equity, 4_994);
  assert.equal(
    view.per_symbol.AAAUSDT.metrics.equity + view.per_symbol.BBBUSDT.metrics.equity,
    view.metrics.equity,
  );
  assert.equal(view.quote, "USDT");
});

Deno.test("the portfolio limit keeps a second symbol flat while the first holds", () => {
  const core = new PortfolioCore({
    symbols: ["AAAUSDT", "BBBUSDT"],
    strategy: strategy("{ type: fixed_quantity, value: 1 }", "portfolio: { max_symbols: 1 }"),
    execution,
  });
  const effects = run(core);
  assert.deepEqual(fillsOf(effects).map((f) => f.symbol), ["AAAUSDT"]);
  const refused = effects.find((e) => e.type === "signal" && e.action === "ignored");
  assert.ok(refused?.type === "signal");
  assert.equal(refused.note, "portfolio limit: 1 of 1 symbols hold a position");
  assert.equal(core.view().cash, 10_000 - 101);
});

Deno.test("equal stakes keep one symbol from taking all the cash; a cap sets the share", () => {
  // Sizing asks for all of equity; equal stakes allow half each (sized with the 0.1% margin).
  const equal = new PortfolioCore({
    symbols: ["AAAUSDT", "BBBUSDT"],
    strategy: strategy("{ type: percent_of_equity, value: 100 }"),
    execution,
  });
  const [a, b] = fillsOf(run(equal));
  assert.ok(Math.abs(a.quantity - 5_000 / (101 * 1.001)) < 1e-7, `AAA ${a.quantity}`);
  // Equity at BBB's entry: 10,000 (AAA still marked at 101), so BBB also gets 5,000.
  assert.ok(Math.abs(b.quantity - 5_000 / (51 * 1.001)) < 1e-7, `BBB ${b.quantity}`);

  const capped = new PortfolioCore({
    symbols: ["AAAUSDT", "BBBUSDT"],
    strategy: strategy(
      "{ type: percent_of_equity, value: 100 }",
      "portfolio: { stake: { cap_percent: 20 } }",
    ),
    execution,
  });
  const [c] = fillsOf(run(capped));
  assert.ok(Math.abs(c.quantity - 2_000 / (101 * 1.001)) < 1e-7, `capped ${c.quantity}`);
});

Deno.test("symbols of different quote currencies cannot share a wallet", () => {
  assert.throws(
    () =>
      new PortfolioCore({
        symbols: ["BTCUSDT", "ETHBTC"],
        strategy: strategy("{ type: fixed_quantity, value: 1 }"),
        execution,
      }),
    /one quote currency; got BTCUSDT \(USDT\), ETHBTC \(BTC\)/,
  );
  assert.throws(
    () =>
      new PortfolioCore({
        symbols: ["BTCUSDT", "btcusdt"],
        strategy: strategy("{ type: fixed_quantity, value: 1 }"),
        execution,
      }),
    /BTCUSDT is listed twice/,
  );
});

Deno.test("pyramiding per symbol stops at the symbol's stake", () => {
  const core = new PortfolioCore({
    symbols: ["AAAUSDT", "BBBUSDT"],
    strategy: strategy(
      "{ type: fixed_notional, value: 3000 }\nrisk: { max_open_positions: 2 }",
    ),
    execution,
  });
  // Only AAA trades. Signals price at the closed candle (100, then 101); fills come at the
  // next trade (101, then 103), which also marks the position before sizing.
  const [first, second] = fillsOf(run(core, STREAM.filter((t) => t.symbol === "AAAUSDT")));
  assert.deepEqual([first.quantity, first.price], [3000 / 100, 101]);
  // Stake: half the equity (10,000 + 30 × (103 − 101)) less the exposure 30 × 103, at 103 × 1.001 a unit.
  const room = (10_000 + 30 * 2) / 2 - 30 * 103;
  assert.ok(room < 3000, "the stake binds before the sizing");
  assert.ok(Math.abs(second.quantity - room / (103 * 1.001)) < 1e-7, `second ${second.quantity}`);
});

Deno.test("closing one symbol of a portfolio flattens only that symbol and cancels only its orders", () => {
  const core = new PortfolioCore({
    symbols: ["AAAUSDT", "BBBUSDT"],
    strategy: strategy("{ type: fixed_quantity, value: 2 }"),
    execution,
  });
  run(core);
  const out: SessionEffect[] = [];
  const resting = core.placeOrder(
    { symbol: "AAAUSDT", side: "buy", type: "limit", quantity: 1, price: 90 },
    out,
  );
  const other = core.placeOrder(
    { symbol: "BBBUSDT", side: "buy", type: "limit", quantity: 1, price: 40 },
    out,
  );
  assert.equal(resting.status, "new");
  core.closePosition(out, "BBBUSDT");
  const closing = fillsOf(out);
  assert.deepEqual(closing.map((f) => [f.symbol, f.side, f.quantity, f.tag]), [
    ["BBBUSDT", "sell", 2, "close"],
  ]);
  const cancelled = out.flatMap((e) =>
    e.type === "order" && e.order.status === "cancelled" ? [e.order.id] : []
  );
  assert.deepEqual(cancelled, [other.id], "only BBBUSDT's order is cancelled");
  const view = core.view();
  assert.equal(view.per_symbol.BBBUSDT.position.quantity, 0);
  assert.equal(view.per_symbol.AAAUSDT.position.quantity, 2, "AAAUSDT still held");
  assert.deepEqual(view.per_symbol.AAAUSDT.open_orders.map((o) => o.id), [resting.id]);
  assert.throws(() => core.closePosition(out, "CCCUSDT"), /CCCUSDT is not one of/);
});

/** The book of a portfolio view: what a snapshot restores (indicators warm up again from history). */
function bookOf(core: PortfolioCore) {
  const { cash, free_cash, equity, open_orders, metrics, paused, time, per_symbol } = core.view();
  const symbols = Object.entries(per_symbol).map(([symbol, s]) => ({
    symbol,
    position: s.position,
    open_orders: s.open_orders,
    metrics: s.metrics,
  }));
  return { cash, free_cash, equity, open_orders, metrics, paused, time, symbols };
}

Deno.test("a portfolio restored from its snapshot has the same book, per symbol too", () => {
  const setup = {
    symbols: ["AAAUSDT", "BBBUSDT"],
    strategy: strategy("{ type: fixed_quantity, value: 2 }"),
    execution,
  };
  const original = new PortfolioCore(setup);
  run(original);
  original.placeOrder(
    { symbol: "BBBUSDT", side: "buy", type: "limit", quantity: 1, price: 40 },
    [],
  );
  original.pause();
  const restored = new PortfolioCore(setup, JSON.parse(JSON.stringify(original.snapshot())));
  assert.deepEqual(bookOf(restored), bookOf(original));
  assert.equal(bookOf(restored).symbols[0].position.quantity, 2);
  // Both go on alike: the next trades mark both books the same way.
  const next = [trade("AAAUSDT", 3_000, 104, 4), trade("BBBUSDT", 3_010, 39, 4)];
  const [a, b] = [run(original, next), run(restored, next)];
  assert.deepEqual(fillsOf(a), fillsOf(b));
  assert.deepEqual(bookOf(restored), bookOf(original));
});

Deno.test("portfolio risk: gross exposure over both symbols refuses the second entry; one state for all", () => {
  // Buy 2 AAA at 101 (202), then 2 BBB at 51 would make the gross exposure 202 + 102 > 250.
  const core = new PortfolioCore({
    symbols: ["AAAUSDT", "BBBUSDT"],
    strategy: strategy(
      "{ type: fixed_quantity, value: 2 }",
      "risk: { max_gross_exposure: 250, max_drawdown_percent: 0.01 }",
    ),
    execution,
  });
  const effects = run(core);
  assert.deepEqual(fillsOf(effects).map((f) => f.symbol), ["AAAUSDT"]);
  const refused = effects.find((e) => e.type === "risk" && e.kind === "refused");
  assert.ok(refused?.type === "risk" && refused.kind === "refused");
  assert.equal(refused.rule, "max_gross_exposure");
  assert.equal(refused.order.symbol, "BBBUSDT");
  assert.equal(refused.values.exposure, 2 * 101 + 2 * 51);
  // AAA at 103 sets the equity peak (the portfolio holds no BBB): no halt yet.
  assert.equal(core.view().risk.state, "active");
  const out: SessionEffect[] = [];
  core.step(trade("AAAUSDT", 3_000, 102, 4), out);
  const halt = out.find((e) => e.type === "risk" && e.kind === "state");
  assert.ok(halt?.type === "risk", "a drawdown of the portfolio's equity halts it");
  assert.equal(halt.rule, "max_drawdown");
  assert.equal(core.view().risk.state, "halted");
});

Deno.test("portfolio cooldowns per symbol: a stop-out stops entries in that symbol only", () => {
  const stream = [
    trade("AAAUSDT", 0, 100, 1),
    trade("BBBUSDT", 10, 50, 1),
    trade("AAAUSDT", 1_000, 101, 2), // closes AAA's first candle: entry at 101, stop at 99.99
    trade("BBBUSDT", 1_010, 51, 2), // BBB's entry at 51
    trade("AAAUSDT", 1_500, 99, 3), // AAA stopped out
    trade("AAAUSDT", 2_000, 99.5, 4), // closes AAA's candle: its entry is refused
  ];
  const make = (perSymbol: boolean) =>
    new PortfolioCore({
      symbols: ["AAAUSDT", "BBBUSDT"],
      strategy: strategy(
        "{ type: fixed_quantity, value: 2 }",
        `risk: { stop_loss: { percent: 1 }, max_stop_outs: 1, cooldown_per_symbol: ${perSymbol} }`,
      ),
      execution,
    });
  const own = make(true);
  const effects = run(own, stream);
  const refused = effects.filter((e) => e.type === "risk" && e.kind === "refused");
  assert.equal(refused.length, 1);
  assert.ok(refused[0].type === "risk" && refused[0].kind === "refused");
  assert.equal(refused[0].rule, "stop_outs");
  assert.equal(refused[0].order.symbol, "AAAUSDT");
  const view = own.view();
  assert.equal(view.risk.state, "active", "the session trades on");
  assert.equal(view.per_symbol.AAAUSDT.risk.state, "reducing");
  assert.equal(view.per_symbol.BBBUSDT.risk.state, "active");
  assert.equal(view.per_symbol.BBBUSDT.position.quantity, 2);

  const shared = make(false);
  run(shared, stream);
  assert.equal(shared.view().risk.state, "reducing", "one stop-out anywhere stops every symbol");
  assert.equal(shared.view().per_symbol.BBBUSDT.risk.state, "reducing");
});
