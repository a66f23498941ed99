// Shared fixtures of the execution tests (not a test file itself).
import {
  type Account,
  createAccount,
  type ExecEvent,
  type ExecutionConfig,
  type Fill,
  onQuote,
  onTrade,
  type Order,
  resolveExecutionConfig,
} from "../engine/core/execution/mod.ts";

export const SYMBOL = "XYZUSDT";

/** An account trading XYZUSDT with tick 0.01, step 0.001, min notional 5. */
export function account(overrides: Partial<ExecutionConfig> = {}): Account {
  return createAccount(resolveExecutionConfig({
    filters: { [SYMBOL]: { tickSize: 0.01, stepSize: 0.001, minNotional: 5 } },
    ...overrides,
  }));
}

let nextId = 1;

/** Feeds one trade; returns the events it produced. */
export function trade(acc: Account, price: number, time: number, qty = 10): ExecEvent[] {
  const out: ExecEvent[] = [];
  onTrade(
    acc,
    { type: "trade", symbol: SYMBOL, id: nextId++, price, qty, time, buyerMaker: false },
    out,
  );
  return out;
}

/** Feeds one quote. */
export function quote(acc: Account, bid: number, ask: number, time: number): void {
  onQuote(acc, {
    type: "quote",
    symbol: SYMBOL,
    updateId: nextId++,
    bid,
    bidQty: 1,
    ask,
    askQty: 1,
    time,
  }, []);
}

/** The fills among events. */
export function fills(events: readonly ExecEvent[]): Fill[] {
  return events.flatMap((e) => e.type === "fill" ? [e.fill] : []);
}

/** The order events among events. */
export function orderEvents(events: readonly ExecEvent[]): Order[] {
  return events.flatMap((e) => e.type === "order" ? [e.order] : []);
}

/** Asserts |a − b| ≤ 1e-9 · max(1, |b|). */
export function near(actual: number, expected: number, what = "value"): void {
  if (Math.abs(actual - expected) > 1e-9 * Math.max(1, Math.abs(expected))) {
    throw new Error(`${what}: expected ${expected}, got ${actual}`);
  }
}
