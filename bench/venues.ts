/**
 * Binance through the fast adapter versus through the exchange library
 * (ccxt), both against one local server speaking Binance's protocol: a burst
 * of trades on one stream, timed from the first frame sent to the last trade
 * delivered. Figures: `binance_adapter_trades_per_s`, `ccxt_binance_trades_per_s`,
 * `ccxt_binance_delivered_share` (the library keeps the last 1,000 trades per
 * symbol between two watches: a burst beyond that is lost) and `ccxt_import_ms`.
 */
import { BinanceFeed, CcxtFeed, type Feed } from "../engine/runtime/market/mod.ts";
import { type Benchmark, type Figure, summarise, tradeRate } from "./figure.ts";

/** A minimal Binance: exchangeInfo for the library's markets, and a trade burst per subscription. */
function binanceServer(trades: number) {
  let sent = 0;
  const burst = (socket: WebSocket, combined: boolean) => {
    const t0 = Date.now();
    for (let i = 1; i <= trades; i++) {
      const data = {
        e: "trade",
        E: t0,
        s: "BTCUSDT",
        t: i,
        p: String(60_000 + (i % 100)),
        q: "0.01",
        T: t0,
        m: i % 2 === 0,
        M: true,
      };
      socket.send(JSON.stringify(combined ? { stream: "btcusdt@trade", data } : data));
    }
    sent = performance.now();
  };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const url = new URL(req.url);
    if (req.headers.get("upgrade") === "websocket") {
      const { socket, response } = Deno.upgradeWebSocket(req);
      const combined = url.pathname === "/stream";
      if (url.searchParams.get("streams")?.includes("btcusdt@trade")) {
        socket.onopen = () => burst(socket, combined);
      }
      socket.onmessage = (e) => {
        const message = JSON.parse(e.data);
        socket.send(JSON.stringify({ result: null, id: message.id }));
        if (message.method === "SUBSCRIBE" && message.params.includes("btcusdt@trade")) {
          burst(socket, combined);
        }
      };
      return response;
    }
    if (url.pathname === "/api/v3/exchangeInfo") {
      return Response.json({
        timezone: "UTC",
        serverTime: Date.now(),
        symbols: [{
          symbol: "BTCUSDT",
          status: "TRADING",
          baseAsset: "BTC",
          quoteAsset: "USDT",
          filters: [
            { filterType: "PRICE_FILTER", tickSize: "0.01" },
            { filterType: "LOT_SIZE", stepSize: "0.00001" },
            { filterType: "NOTIONAL", minNotional: "5" },
          ],
        }],
      });
    }
    return new Response("not found", { status: 404 });
  });
  return {
    base: `127.0.0.1:${server.addr.port}`,
    get sent() {
      return sent;
    },
    close: () => server.shutdown(),
  };
}

/** One burst through `feed`: trades per second (first frame to last delivery) and the share delivered. */
async function burstRun(
  trades: number,
  make: (base: string) => Feed,
  symbol: string,
): Promise<{ perSecond: number; share: number }> {
  const server = binanceServer(trades);
  const feed = make(server.base);
  let delivered = 0;
  let last = 0;
  let first = 0;
  try {
    await feed.start([symbol], () => {
      if (delivered++ === 0) first = performance.now();
      last = performance.now();
    });
    const deadline = performance.now() + 20_000;
    // Quiet for 500 ms after the last delivery, or the deadline: the burst is over.
    while (performance.now() < deadline && (delivered === 0 || performance.now() - last < 500)) {
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await feed.close();
    await server.close();
  }
  const seconds = Math.max(last - Math.min(first, server.sent || first), 1e-3) / 1000;
  return { perSecond: delivered / seconds, share: delivered / trades };
}

export const benchVenues: Benchmark = async ({ quick }) => {
  const trades = quick ? 5_000 : 20_000;
  const runs = 5;
  const importStart = performance.now();
  await import("ccxt");
  const importMs = performance.now() - importStart;
  const fast: number[] = [];
  const ccxt: number[] = [];
  const share: number[] = [];
  for (let i = 0; i < runs; i++) {
    fast.push(
      (await burstRun(
        trades,
        (base) => new BinanceFeed({ wsUrl: `ws://${base}`, restUrl: `http://${base}` }),
        "BTCUSDT",
      ))
        .perSecond,
    );
    const viaCcxt = await burstRun(
      trades,
      (base) =>
        new CcxtFeed({
          venue: "binance",
          urls: { public: `http://${base}/api/v3`, ws: { spot: `ws://${base}/ws` } },
          exchangeOptions: { fetchMarkets: { types: ["spot"] }, fetchCurrencies: false },
        }),
      "binance:BTC/USDT",
    );
    ccxt.push(viaCcxt.perSecond);
    share.push(viaCcxt.share);
  }
  const figures: Figure[] = [
    summarise(fast, tradeRate("binance_adapter_trades_per_s")),
    summarise(ccxt, tradeRate("ccxt_binance_trades_per_s")),
    summarise(share, { name: "ccxt_binance_delivered_share", unit: "ratio", better: "higher" }),
    summarise([importMs], { name: "ccxt_import_ms", unit: "ms", better: "lower" }),
  ];
  return figures;
};
