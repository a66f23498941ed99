import { useEffect, useState } from "preact/hooks";

/** Ticker fields shown by {@link LiveTicker}. */
export interface TickerProps extends Record<string, unknown> {
  symbol: string;
  price: number | null;
  change_24h_percent: number | null;
}

/** The live price of one symbol, updated over the WebSocket. */
export default function LiveTicker(props: TickerProps) {
  const [ticker, setTicker] = useState(props);
  useEffect(() => {
    const url = new URL("/api/ws", location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(url);
    socket.onopen = () =>
      socket.send(JSON.stringify({ op: "subscribe", topics: [`ticker:${props.symbol}`] }));
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "update" && message.data) setTicker({ ...ticker, ...message.data });
    };
    return () => socket.close();
  }, [props.symbol]);
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
