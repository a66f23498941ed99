import { tickerTopic } from "../contract/mod.ts";
import { useEffect, useState } from "preact/hooks";
import { subscribe } from "./_live.ts";

/** Ticker fields shown by {@link LiveTicker}. */
export interface TickerProps extends Record<string, unknown> {
  symbol: string;
  price: number | null;
  change_24h_percent: number | null;
}

/** The live price of one symbol, updated over the shared WebSocket. */
export default function LiveTicker(props: TickerProps) {
  const [ticker, setTicker] = useState(props);
  useEffect(
    () =>
      subscribe(tickerTopic(props.symbol), (data) => {
        if (data) setTicker((current) => ({ ...current, ...(data as Partial<TickerProps>) }));
      }),
    [props.symbol],
  );
  const change = ticker.change_24h_percent;
  return (
    <div class="ticker" data-testid={`ticker-${props.symbol}`}>
      <span class="symbol">{props.symbol}</span>
      <span class="price" data-testid="ticker-price">{ticker.price?.toFixed(2) ?? "—"}</span>
      {change === null || change === undefined
        ? null
        : <span class={change >= 0 ? "up" : "down"}>{change.toFixed(2)}%</span>}
    </div>
  );
}
