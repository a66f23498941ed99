/**
 * Chart.js for the islands, with only the pieces the dashboard uses
 * registered (line and scatter charts on linear axes). Only ever used inside
 * effects, so the server never touches a canvas.
 */
import {
  Chart,
  type ChartOptions,
  Filler,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  type Scale,
  ScatterController,
  Tooltip,
} from "chart.js";
import { clock } from "../presentation/format.ts";
import { DASHBOARD_CHART_THEME as THEME } from "../presentation/chart_theme.ts";

if (typeof document !== "undefined") {
  Chart.register(
    LineController,
    ScatterController,
    LineElement,
    PointElement,
    LinearScale,
    Filler,
    Tooltip,
  );
  Chart.defaults.color = THEME.text;
  Chart.defaults.borderColor = THEME.grid;
  Chart.defaults.animation = false;
}

/** A chart point: exchange time (ms) and a value. */
export interface Point {
  x: number;
  y: number;
}

/**
 * Axis options shared by the dashboard's time charts (x in exchange ms, shown
 * as UTC clock). With `minSpanMs` the x axis starts at the first point and
 * spans at least that long, so a chart with one point or a few seconds of them
 * reads as its first minute (Chart.js would otherwise widen a single point by
 * 5 % of its value: years).
 */
export function timeScales(
  options: { minSpanMs?: number } = {},
): NonNullable<ChartOptions<"line">["scales"]> {
  const span = options.minSpanMs;
  return {
    x: {
      type: "linear" as const,
      ...(span === undefined ? {} : {
        bounds: "data" as const,
        afterDataLimits: (scale: Scale) => {
          const { min, max } = scale.getMinMax(false);
          if (Number.isFinite(min) && Number.isFinite(max) && max - min < span) {
            scale.min = min;
            scale.max = min + span;
          }
        },
      }),
      ticks: { maxTicksLimit: 6, callback: (value: number | string) => clock(Number(value)) },
      // Sub-second steps would repeat the same HH:MM:SS label: keep whole seconds.
      afterBuildTicks: (scale) => {
        const whole = scale.ticks.filter((t) => t.value % 1000 === 0);
        if (whole.length >= 2) scale.ticks = whole;
      },
      grid: { display: false },
    },
    y: { type: "linear" as const, position: "right" as const, ticks: { maxTicksLimit: 6 } },
  };
}

/**
 * Publishes the number of drawn points (`data-points`) and the x axis's range
 * (`data-x-min`, `data-x-max`, exchange ms) on the canvas, for tests and debugging.
 */
export function markDrawn(chart: Chart): void {
  const points = chart.data.datasets.reduce((n, d) => n + d.data.length, 0);
  const dataset = chart.canvas.dataset;
  dataset.points = String(points);
  const x = chart.scales.x;
  if (x) {
    dataset.xMin = String(x.min);
    dataset.xMax = String(x.max);
  }
}

/**
 * The points of one side's trade markers, oldest first: the charts are told
 * their data is sorted (`normalized`), and fills often arrive newest first.
 * With a `symbol`, only that symbol's markers (a portfolio's chart shows one symbol).
 */
export function markerPoints(
  markers: readonly { time: number; price: number; side: string; symbol?: string }[],
  side: string,
  symbol?: string,
): Point[] {
  return markers.filter((m) => m.side === side && (symbol === undefined || m.symbol === symbol))
    .map((m) => ({ x: m.time, y: m.price }))
    .sort((a, b) => a.x - b.x);
}

export { Chart, THEME };
