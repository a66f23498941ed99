import { tickerTopic } from "../contract/mod.ts";
import { useEffect, useState } from "preact/hooks";
import { subscribe } from "./_live.ts";
import { money, signedPercent } from "../presentation/format.ts";

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
      <span class="price" data-testid="ticker-price">{money(ticker.price)}</span>
      {change === null || change === undefined
        ? null
        : <span class={change >= 0 ? "up" : "down"}>{signedPercent(change / 100)}</span>}
    </div>
  );
}
