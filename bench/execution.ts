/**
 * Paper execution throughput: fills per second (limit orders filled by
 * trade-through, with events) and idle trades per second (onTrade with an
 * open position and no open orders: mark-to-market only).
 */
import type { Trade } from "../engine/core/types.ts";
import {
  createAccount,
  type ExecEvent,
  onTrade,
  resolveExecutionConfig,
  submitOrder,
} from "../engine/core/execution/mod.ts";
import { type Benchmark, type Figure, measure, tradeRate } from "./figure.ts";

const SYMBOL = "BTCUSDT";

function trades(count: number): Trade[] {
  const list: Trade[] = [];
  for (let i = 0; i < count; i++) {
    const price = 60_000 + Math.round(Math.sin(i / 50) * 500 * 100) / 100;
    list.push({
      type: "trade",
      symbol: SYMBOL,
      id: i,
      price,
      qty: 0.5,
      time: i,
      buyerMaker: false,
    });
  }
  return list;
}

function idleRun(tape: readonly Trade[], rounds: number): number {
  const account = createAccount(resolveExecutionConfig({}));
  const out: ExecEvent[] = [];
  onTrade(account, tape[0], out);
  submitOrder(account, { symbol: SYMBOL, side: "buy", type: "market", quantity: 0.01 }, 0, out);
  const start = performance.now();
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < tape.length; i++) onTrade(account, tape[i], out);
  }
  const seconds = (performance.now() - start) / 1000;
  return rounds * tape.length / seconds;
}

function fillRun(count: number): number {
  const account = createAccount(resolveExecutionConfig({ initial_cash: 1e12 }));
  const out: ExecEvent[] = [];
  const trade = (price: number, time: number): Trade => ({
    type: "trade",
    symbol: SYMBOL,
    id: time,
    price,
    qty: 1,
    time,
    buyerMaker: false,
  });
  onTrade(account, trade(60_000, 0), out);
  const start = performance.now();
  for (let i = 1; i <= count; i++) {
    const buy = i % 2 === 1;
    const side = buy ? "buy" : "sell";
    submitOrder(
      account,
      { symbol: SYMBOL, side, type: "limit", quantity: 0.01, price: 60_000 },
      i,
      out,
    );
    onTrade(account, trade(buy ? 59_999 : 60_001, i), out);
    out.length = 0;
  }
  const seconds = (performance.now() - start) / 1000;
  if (account.totals.fills !== count) {
    throw new Error(`expected ${count} fills, got ${account.totals.fills}`);
  }
  return count / seconds;
}

/** Execution benchmark: `execution_fills_per_s` and `execution_trades_per_s_idle`. */
export const benchExecution: Benchmark = async ({ quick }) => {
  const tape = trades(10_000);
  const rounds = quick ? 50 : 300;
  const fillCount = quick ? 50_000 : 300_000;
  const figures: Figure[] = [];
  figures.push(
    await measure(() => fillRun(fillCount), {
      name: "execution_fills_per_s",
      unit: "fills/s",
      better: "higher",
    }),
  );
  figures.push(
    await measure(() => idleRun(tape, rounds), tradeRate("execution_trades_per_s_idle", 1_000_000)),
  );
  return figures;
};

if (import.meta.main) {
  for (const figure of await benchExecution({ quick: Deno.args.includes("--quick") })) {
    console.log(`${figure.name}: ${Math.round(figure.median)} ${figure.unit}`);
  }
}
