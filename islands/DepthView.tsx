import { bookTopic, type Level, type MarketBook } from "../contract/mod.ts";
import { useEffect, useState } from "preact/hooks";
import { decimal } from "../presentation/format.ts";
import { subscribe } from "./_live.ts";

/** Serialisable props of {@link DepthView}. */
export interface DepthViewProps extends Record<string, unknown> {
  symbol: string;
  book: MarketBook;
}

/** Levels drawn per side. */
const SHOWN = 10;

/** Each level with the cumulative quantity up to it. */
function cumulative(levels: readonly Level[]): [number, number, number][] {
  let total = 0;
  return levels.slice(0, SHOWN).map(([price, qty]) => [price, qty, total += qty]);
}

/**
 * The symbol's L2 book as a depth ladder: asks above, bids below, each level
 * with a bar proportional to the cumulative quantity; live on `book:SYMBOL`.
 */
export default function DepthView(props: DepthViewProps) {
  const [book, setBook] = useState(props.book);
  useEffect(
    () => subscribe(bookTopic(props.symbol), (data) => data && setBook(data as MarketBook)),
    [props.symbol],
  );
  const asks = cumulative(book.asks);
  const bids = cumulative(book.bids);
  const deepest = Math.max(asks.at(-1)?.[2] ?? 0, bids.at(-1)?.[2] ?? 0) || 1;
  const row = (side: "ask" | "bid") => ([price, qty, total]: [number, number, number]) => (
    <tr key={`${side}-${price}`} data-testid={`depth-${side}`}>
      <td class={side === "ask" ? "down" : "up"}>{decimal(price)}</td>
      <td>{decimal(qty)}</td>
      <td class="depth-cell">
        <span class={`depth-bar ${side}`} style={{ width: `${(100 * total) / deepest}%` }} />
        {decimal(total)}
      </td>
    </tr>
  );
  return (
    <section class="card" data-testid="depth-view">
      <header class="chart-head">
        <h2>Order book</h2>
        <span class="muted">{props.symbol}, top {SHOWN} levels</span>
      </header>
      {asks.length === 0 && bids.length === 0
        ? <p class="muted">No book from this feed (depth comes from the Binance feed)</p>
        : (
          <table class="depth">
            <thead>
              <tr>
                <th>Price</th>
                <th>Quantity</th>
                <th>Total</th>
              </tr>
            </thead>
            <tbody>
              {[...asks].reverse().map(row("ask"))}
              {bids.map(row("bid"))}
            </tbody>
          </table>
        )}
    </section>
  );
}
