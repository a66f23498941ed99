/**
 * The one wallet of a portfolio session: a shared account in the quote
 * currency and the portfolio's limits on entries (how many symbols may hold a
 * position at once, and the stake one symbol may commit).
 *
 * @module
 */
import { equity, heldQuantity } from "../execution/account.ts";
import { quantityForFunds } from "../execution/costs.ts";
import { filtersFor } from "../execution/filters.ts";
import type { ExecutionConfig } from "../execution/config.ts";
import type { Account } from "../execution/types.ts";
import type { PortfolioRules } from "../strategy/schema.ts";

/** What a symbol's session reads from the portfolio it belongs to. */
export interface Wallet {
  /** The account every symbol trades (one cash balance). */
  readonly account: Account;
  /** Initial cash attributed to each symbol: its per-symbol metrics start from it. */
  readonly allotment: number;
  /** Why a new entry in `symbol` is refused now, or undefined when allowed. */
  refuseEntry(symbol: string): string | undefined;
  /** The largest quantity an entry in `symbol` may add at `price` under the stake rule. */
  stakeQuantity(symbol: string, price: number): number;
}

/**
 * The quote currency all `symbols` share; throws a RangeError naming the
 * symbols when they differ (one wallet holds one currency).
 */
export function portfolioQuote(symbols: readonly string[], config: ExecutionConfig): string {
  const quotes = symbols.map((s) => filtersFor(s, config.filters?.[s]).quote);
  if (quotes.some((q) => q !== quotes[0])) {
    const listed = symbols.map((s, i) => `${s} (${quotes[i] || "unknown"})`).join(", ");
    throw new RangeError(
      `all symbols of a portfolio must share one quote currency; got ${listed}`,
    );
  }
  return quotes[0];
}

/**
 * A wallet over `symbols` under `rules`: `max_symbols` symbols may hold a
 * position (or a pending entry) at once (default: all); the stake rule caps
 * each symbol's exposure at `100 / n` percent of portfolio equity ("equal", the
 * default) or at `cap_percent` of it.
 */
export class PortfolioWallet implements Wallet {
  readonly account: Account;
  readonly allotment: number;
  readonly #symbols: readonly string[];
  readonly #maxSymbols: number;
  readonly #stakePercent: number;

  constructor(account: Account, symbols: readonly string[], rules?: PortfolioRules) {
    this.account = account;
    this.#symbols = symbols;
    this.allotment = account.config.initial_cash / symbols.length;
    this.#maxSymbols = rules?.max_symbols ?? symbols.length;
    const stake = rules?.stake ?? "equal";
    this.#stakePercent = stake === "equal" ? 100 / symbols.length : stake.cap_percent;
  }

  refuseEntry(symbol: string): string | undefined {
    if (this.#holds(symbol)) return undefined;
    let holding = 0;
    for (const other of this.#symbols) if (this.#holds(other)) holding++;
    return holding >= this.#maxSymbols
      ? `portfolio limit: ${holding} of ${this.#maxSymbols} symbols hold a position`
      : undefined;
  }

  stakeQuantity(symbol: string, price: number): number {
    const cap = equity(this.account) * this.#stakePercent / 100;
    const exposure = Math.abs(heldQuantity(this.account, symbol)) * price;
    return quantityForFunds(this.account.config, cap - exposure, price);
  }

  /** Whether `symbol` holds a position or has an entry order pending. */
  #holds(symbol: string): boolean {
    return heldQuantity(this.account, symbol) !== 0 ||
      this.account.orders.some((o) => o.symbol === symbol && o.tag?.startsWith("entry."));
  }
}
