import { useEffect, useRef } from "preact/hooks";
import { Chart, markDrawn, type Point, THEME, timeScales } from "./_chart.ts";
import { useSessionLive } from "./_session_state.ts";

/** Serialisable props of {@link EquityChart}. */
export interface EquityChartProps extends Record<string, unknown> {
  session_id: string;
  initial_capital: number;
  /** Durable equity samples, oldest first. */
  samples: { time: number; equity: number }[];
}

/** Live points kept between durable samples (one per second at most). */
const LIVE_STEP_MS = 1_000;
const MAX_POINTS = 2_000;
/** The time axis spans at least the session's first minute. */
const FIRST_SPAN_MS = 60_000;

/**
 * The session's equity curve: its durable samples, extended live by equity
 * samples (effects) and by the equity of each view (at most one point a second).
 */
export default function EquityChart(props: EquityChartProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart | null>(null);
  const points = useRef<Point[]>(props.samples.map((s) => ({ x: s.time, y: s.equity })));

  const add = (x: number, y: number, durable: boolean) => {
    const list = points.current;
    const last = list[list.length - 1];
    if (last && x < last.x) {
      if (!durable) return;
      list.push({ x, y });
      list.sort((a, b) => a.x - b.x);
    } else if (last && !durable && x - last.x < LIVE_STEP_MS) last.y = y;
    else if (last && last.x === x) last.y = y;
    else list.push({ x, y });
    if (list.length > MAX_POINTS) list.splice(0, list.length - MAX_POINTS);
    const current = chart.current;
    if (current) {
      current.update("none");
      markDrawn(current);
    }
  };

  useSessionLive(props.session_id, (message) => {
    if (message.type === "view") add(message.view.time, message.view.equity, false);
    else if (message.type === "effect" && message.effect.type === "equity") {
      add(message.effect.time, message.effect.equity, true);
    }
  });

  useEffect(() => {
    if (typeof document === "undefined" || !canvas.current) return;
    const instance = new Chart(canvas.current, {
      type: "line",
      data: {
        datasets: [
          {
            label: "equity",
            data: points.current,
            borderColor: THEME.equity,
            backgroundColor: THEME.equityFill,
            fill: { value: props.initial_capital },
            borderWidth: 1.5,
            pointRadius: 0,
            tension: 0,
          },
        ],
      },
      options: {
        maintainAspectRatio: false,
        parsing: false,
        normalized: true,
        interaction: { mode: "nearest", intersect: false },
        plugins: { legend: { display: false } },
        // The initial capital stays in view, so the fill shows gain and loss against it.
        scales: (() => {
          const scales = timeScales({ minSpanMs: FIRST_SPAN_MS });
          scales.y = {
            ...scales.y,
            suggestedMin: props.initial_capital,
            suggestedMax: props.initial_capital,
          };
          return scales;
        })(),
      },
    });
    chart.current = instance;
    markDrawn(instance);
    return () => {
      instance.destroy();
      chart.current = null;
    };
  }, [props.session_id]);

  return (
    <section class="card chart" data-testid="equity-chart">
      <header class="chart-head">
        <h2>Equity</h2>
      </header>
      <div class="chart-box">
        <canvas ref={canvas} />
      </div>
    </section>
  );
}
