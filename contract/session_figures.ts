/**
 * The figures of a session summary that come from its view: one function for
 * the API (from the live view or the last durable state) and the dashboard
 * (from each live view), so both always agree.
 */
import type { SessionView } from "../engine/core/session/mod.ts";
import type { SessionSummary, SymbolSummary } from "./resources.ts";

/** The summary fields a view determines. */
export type ViewFigures = Pick<
  SessionSummary,
  | "equity"
  | "cash"
  | "free_cash"
  | "pnl"
  | "realized_pnl"
  | "unrealized_pnl"
  | "total_return"
  | "position"
  | "last_price"
  | "trade_count"
  | "fill_count"
  | "conflicts"
  | "per_symbol"
>;

/**
 * A session's figures from its view and initial capital: a portfolio's P&L
 * adds up over its symbols, which are listed in `per_symbol`.
 */
export function viewFigures(view: SessionView, initial: number): ViewFigures {
  let realized = view.position.realized_pnl;
  let unrealized = view.position.unrealized_pnl;
  let perSymbol: Record<string, SymbolSummary> | null = null;
  if (view.per_symbol) {
    realized = unrealized = 0;
    perSymbol = {};
    for (const [symbol, s] of Object.entries(view.per_symbol)) {
      realized += s.position.realized_pnl;
      unrealized += s.position.unrealized_pnl;
      perSymbol[symbol] = {
        position: { quantity: s.position.quantity, avg_price: s.position.avg_price },
        realized_pnl: s.position.realized_pnl,
        unrealized_pnl: s.position.unrealized_pnl,
        last_price: s.last_price,
        open_orders: s.open_orders.length,
        trade_count: s.metrics.trade_count,
        fill_count: s.metrics.fill_count,
        warmup: s.warmup,
      };
    }
  }
  return {
    equity: view.equity,
    cash: view.cash,
    free_cash: view.free_cash,
    pnl: view.equity - initial,
    realized_pnl: realized,
    unrealized_pnl: unrealized,
    total_return: view.equity / initial - 1,
    position: { quantity: view.position.quantity, avg_price: view.position.avg_price },
    last_price: view.last_price,
    trade_count: view.metrics.trade_count,
    fill_count: view.metrics.fill_count,
    conflicts: view.conflicts,
    per_symbol: perSymbol,
  };
}

/** Whether any symbol of the session still holds a position. */
export function holdsPosition(summary: Pick<SessionSummary, "position" | "per_symbol">): boolean {
  return summary.per_symbol
    ? Object.values(summary.per_symbol).some((s) => s.position.quantity !== 0)
    : summary.position.quantity !== 0;
}
