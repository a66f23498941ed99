import {
  MARKET_TRADES_LIMIT,
  type MarketCandles,
  type MarketTrades,
  type Trade,
  tradesTopic,
} from "../contract/mod.ts";
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "./_api.ts";
import { Chart, markDrawn, markerPoints, type Point, THEME, timeScales } from "./_chart.ts";
import { subscribe } from "./_live.ts";
import { type Fill, useLiveFills } from "./_session_state.ts";

/** A fill as a chart marker. */
export interface Marker {
  time: number;
  price: number;
  side: "buy" | "sell";
  symbol: string;
}

/** Serialisable props of {@link PriceChart}. */
export interface PriceChartProps extends Record<string, unknown> {
  session_id: string;
  /** The symbol shown first. */
  symbol: string;
  /** A portfolio's symbols: a switcher picks the one charted (absent or one: no switcher). */
  symbols?: string[];
  /** Entry/exit markers (the session's fills). */
  markers: Marker[];
}

/** Resolutions the chart offers; `1s` is built from recent trades, the others from candles. */
const RESOLUTIONS = { "1s": 1_000, "1m": 60_000, "5m": 300_000 } as const;
type Resolution = keyof typeof RESOLUTIONS;
const MAX_POINTS = 300;

/** Puts a trade into the close line: updates the last bucket or starts a new one. */
function addTrade(points: Point[], trade: Pick<Trade, "price" | "time">, bucketMs: number): void {
  const x = Math.floor(trade.time / bucketMs) * bucketMs;
  const last = points[points.length - 1];
  if (last && last.x === x) last.y = trade.price;
  else if (!last || x > last.x) points.push({ x, y: trade.price });
  if (points.length > MAX_POINTS) points.splice(0, points.length - MAX_POINTS);
}

async function seed(symbol: string, resolution: Resolution): Promise<Point[]> {
  const bucketMs = RESOLUTIONS[resolution];
  if (resolution === "1s") {
    const { trades } = await api<MarketTrades>(
      "GET",
      `/api/market/${symbol}/trades?limit=${MARKET_TRADES_LIMIT.max}`,
    );
    const points: Point[] = [];
    for (const trade of trades) addTrade(points, trade, bucketMs);
    return points;
  }
  const { candles } = await api<MarketCandles>(
    "GET",
    `/api/market/${symbol}/candles?tf=${resolution}&limit=${MAX_POINTS}`,
  );
  return candles.map((c) => ({ x: c.openTime, y: c.close }));
}

/**
 * Live price of the session's symbol (a close line at 1s, 1m or 5m) with the
 * session's entries and exits as markers; updated from the `trades:SYMBOL`
 * and `trading:ID` WebSocket topics. A portfolio's chart shows one symbol at
 * a time, with that symbol's markers, picked by a switcher.
 */
export default function PriceChart(props: PriceChartProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart | null>(null);
  const markers = useRef<Marker[]>(props.markers);
  const [resolution, setResolution] = useState<Resolution>("1s");
  const [symbol, setSymbol] = useState(props.symbol);
  const [error, setError] = useState<string | null>(null);

  useLiveFills(props.session_id, (fill: Fill) => {
    const marker = { time: fill.time, price: fill.price, side: fill.side, symbol: fill.symbol };
    markers.current = [...markers.current, marker];
    const current = chart.current;
    if (!current || fill.symbol !== symbol) return;
    current.data.datasets[fill.side === "buy" ? 1 : 2].data.push({ x: fill.time, y: fill.price });
    current.update("none");
    markDrawn(current);
  });

  useEffect(() => {
    if (typeof document === "undefined" || !canvas.current) return;
    const bucketMs = RESOLUTIONS[resolution];
    const points: Point[] = [];
    const of = (side: string) => markerPoints(markers.current, side, symbol);
    const instance = new Chart(canvas.current, {
      type: "line",
      data: {
        datasets: [
          {
            label: "price",
            data: points,
            borderColor: THEME.price,
            borderWidth: 1.5,
            pointRadius: 0,
            tension: 0,
          },
          {
            type: "scatter",
            label: "buys",
            data: of("buy"),
            pointStyle: "triangle",
            pointRadius: 7,
            backgroundColor: THEME.buy,
            borderColor: THEME.buy,
          },
          {
            type: "scatter",
            label: "sells",
            data: of("sell"),
            pointStyle: "triangle",
            pointRotation: 180,
            pointRadius: 7,
            backgroundColor: THEME.sell,
            borderColor: THEME.sell,
          },
        ],
      },
      options: {
        maintainAspectRatio: false,
        parsing: false,
        normalized: true,
        interaction: { mode: "nearest", intersect: false },
        plugins: { legend: { display: false } },
        scales: timeScales(),
      },
    });
    chart.current = instance;
    let frame = 0;
    const redraw = () => {
      frame = 0;
      // Keep the x range on the price line so old markers don't squeeze it.
      const x = instance.options.scales!.x!;
      x.min = points[0]?.x;
      x.max = points[points.length - 1]?.x;
      instance.update("none");
      markDrawn(instance);
    };
    const schedule = () => {
      if (frame === 0) frame = requestAnimationFrame(redraw);
    };
    let live: Trade[] = [];
    let seeded = false;
    const unsubscribe = subscribe(tradesTopic(symbol), (data) => {
      const trades = (data as Trade[]).filter((e) => e.type === "trade");
      if (!seeded) {
        live.push(...trades);
        return;
      }
      for (const trade of trades) addTrade(points, trade, bucketMs);
      schedule();
    });
    seed(symbol, resolution).then((history) => {
      points.push(...history);
      for (const trade of live) addTrade(points, trade, bucketMs);
      live = [];
      seeded = true;
      setError(null);
      schedule();
    }).catch((failure) => setError(String(failure.message ?? failure)));
    return () => {
      unsubscribe();
      cancelAnimationFrame(frame);
      instance.destroy();
      chart.current = null;
    };
  }, [symbol, resolution]);

  return (
    <section class="card chart" data-testid="price-chart">
      <header class="chart-head">
        {props.symbols && props.symbols.length > 1
          ? (
            <select
              data-testid="symbol-switcher"
              aria-label="symbol charted"
              value={symbol}
              onChange={(e) => setSymbol(e.currentTarget.value)}
            >
              {props.symbols.map((s) => <option key={s} value={s}>{s}</option>)}
            </select>
          )
          : null}
        <h2>{symbol} price</h2>
        <div class="segmented">
          {(Object.keys(RESOLUTIONS) as Resolution[]).map((r) => (
            <button
              key={r}
              type="button"
              class={r === resolution ? "on" : ""}
              onClick={() => setResolution(r)}
            >
              {r}
            </button>
          ))}
        </div>
        <span class="legend">
          <span class="up">▲ entry/buy</span> <span class="down">▼ exit/sell</span>
        </span>
      </header>
      {error ? <p class="inline-error">{error}</p> : null}
      <div class="chart-box">
        <canvas ref={canvas} />
      </div>
    </section>
  );
}
