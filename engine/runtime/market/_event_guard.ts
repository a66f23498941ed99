/** Internal: stateful validation of normalised events (numbers, id order, gaps). */
import type { MarketEvent } from "../../core/types.ts";
import type { DropReason } from "./binance_protocol.ts";

/** Checks events per symbol: finite positive numbers, strictly increasing trade and quote ids. */
export class EventGuard {
  #lastTrade = new Map<string, number>();
  #lastQuote = new Map<string, number>();

  /**
   * Returns why the event must be dropped, or undefined when it passes (and
   * is then remembered). `onGap` hears trade-id jumps (from, to = missing ids).
   */
  check(
    event: MarketEvent,
    onGap?: (symbol: string, from: number, to: number) => void,
  ): DropReason | undefined {
    const invalid = invalidNumbers(event);
    if (invalid) return invalid;
    if (event.type === "trade") {
      const last = this.#lastTrade.get(event.symbol);
      if (last !== undefined) {
        if (event.id === last) return "duplicate";
        if (event.id < last) return "out_of_order";
        if (event.id > last + 1) onGap?.(event.symbol, last + 1, event.id - 1);
      }
      this.#lastTrade.set(event.symbol, event.id);
    } else if (event.type === "quote") {
      const last = this.#lastQuote.get(event.symbol);
      if (last !== undefined) {
        if (event.updateId === last) return "duplicate";
        if (event.updateId < last) return "out_of_order";
      }
      this.#lastQuote.set(event.symbol, event.updateId);
    }
    return undefined;
  }

  /** Forgets a symbol (after unsubscribing). */
  forget(symbol: string): void {
    this.#lastTrade.delete(symbol);
    this.#lastQuote.delete(symbol);
  }
}

/** Returns the drop reason when an event carries NaN or non-positive prices or sizes. */
export function invalidNumbers(event: MarketEvent): DropReason | undefined {
  switch (event.type) {
    case "trade":
      if (!(isFinite(event.price) && isFinite(event.qty) && isFinite(event.time))) {
        return "invalid_number";
      }
      return event.price > 0 && event.qty > 0 ? undefined : "non_positive";
    case "quote":
      if (!(isFinite(event.bid) && isFinite(event.ask) && isFinite(event.time))) {
        return "invalid_number";
      }
      return event.bid > 0 && event.ask > 0 ? undefined : "non_positive";
    case "candle":
      if (![event.open, event.high, event.low, event.close, event.volume].every(isFinite)) {
        return "invalid_number";
      }
      return event.open > 0 && event.high > 0 && event.low > 0 && event.close > 0
        ? undefined
        : "non_positive";
  }
}
