/**
 * Order book benchmarks: `book_fill_ns` (a market order filled against a
 * 20-level L2 book, submission and events included) and `book_update_ns` (one
 * depth diff of 2 changed levels applied to a 1,000-level book).
 */
import {
  createAccount,
  type ExecEvent,
  onBook,
  resolveExecutionConfig,
  submitOrder,
} from "../engine/core/execution/mod.ts";
import { type BookDiff, OrderBook } from "../engine/core/market/mod.ts";
import type { BookTop, Level } from "../engine/core/types.ts";
import { type Benchmark, type Figure, measure } from "./figure.ts";

const SYMBOL = "BTCUSDT";

function levels(from: number, step: number, count: number): Level[] {
  return Array.from({ length: count }, (_, i) => [from + i * step, 0.1 + (i % 7) * 0.05]);
}

function fillRun(count: number): number {
  const account = createAccount(resolveExecutionConfig({ initial_cash: 1e12 }));
  const book: BookTop = {
    type: "book",
    symbol: SYMBOL,
    updateId: 1,
    time: 1,
    bids: levels(59_999, -1, 20),
    asks: levels(60_000, 1, 20),
  };
  const out: ExecEvent[] = [];
  onBook(account, book, out);
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    // 1.5 units: about 8 levels deep on either side.
    const side = i % 2 === 0 ? "buy" : "sell";
    submitOrder(account, { symbol: SYMBOL, side, type: "market", quantity: 1.5 }, 1, out);
    out.length = 0;
  }
  const elapsed = performance.now() - start;
  if (account.totals.fills !== count) {
    throw new Error(`expected ${count} book fills, got ${account.totals.fills}`);
  }
  return elapsed * 1e6 / count;
}

function updateRun(count: number): number {
  const book = new OrderBook();
  book.load({
    lastUpdateId: 0,
    bids: levels(59_999, -0.01, 1000),
    asks: levels(60_000, 0.01, 1000),
  });
  const diffs: BookDiff[] = [];
  for (let i = 0; i < 1000; i++) {
    const offset = (i * 37) % 200;
    diffs.push({
      firstId: 0,
      finalId: 0,
      bids: [[Math.round((59_999 - offset * 0.01) * 100) / 100, i % 5 === 0 ? 0 : 0.3]],
      asks: [[Math.round((60_000 + offset * 0.01) * 100) / 100, i % 5 === 1 ? 0 : 0.2]],
    });
  }
  let id = 0;
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const d = diffs[i % diffs.length];
    id++;
    if (book.apply({ firstId: id, finalId: id, bids: d.bids, asks: d.asks }) !== "applied") {
      throw new Error(`diff ${id} not applied`);
    }
  }
  return (performance.now() - start) * 1e6 / count;
}

/** Book benchmark: `book_fill_ns` and `book_update_ns`. */
export const benchBook: Benchmark = async ({ quick }) => {
  const figures: Figure[] = [];
  const fills = quick ? 50_000 : 300_000;
  figures.push(
    await measure(() => fillRun(fills), { name: "book_fill_ns", unit: "ns", better: "lower" }),
  );
  const updates = quick ? 200_000 : 1_000_000;
  figures.push(
    await measure(() => updateRun(updates), {
      name: "book_update_ns",
      unit: "ns",
      better: "lower",
    }),
  );
  return figures;
};

if (import.meta.main) {
  for (const figure of await benchBook({ quick: Deno.args.includes("--quick") })) {
    console.log(`${figure.name}: ${Math.round(figure.median)} ${figure.unit}`);
  }
}
