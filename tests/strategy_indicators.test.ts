/**
 * Each streaming indicator against a naive full recomputation of its TA-Lib
 * definition over a fixed OHLCV series, to 1e-9 relative, from the first value.
 */
import assert from "node:assert/strict";
import type { Bar, Indicator } from "../engine/core/strategy/indicator.ts";
import {
  Adx,
  Atr,
  Bollinger,
  Cci,
  Dema,
  Ema,
  Macd,
  Obv,
  Roc,
  Rsi,
  Sma,
  Stoch,
  Vwap,
  Wma,
} from "../engine/core/strategy/indicators.ts";

/** A fixed, deterministic OHLCV series (LCG random walk; flat stretch included). */
function series(n: number): Bar[] {
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const bars: Bar[] = [];
  let close = 100;
  for (let i = 0; i < n; i++) {
    const open = close;
    close = i >= 60 && i < 66 ? open : open * (1 + (rand() - 0.5) * 0.04);
    const high = Math.max(open, close) * (1 + rand() * 0.01);
    const low = Math.min(open, close) * (1 - rand() * 0.01);
    const openTime = 1_700_000_000_000 + i * 3_600_000;
    bars.push({
      openTime,
      closeTime: openTime + 3_599_999,
      open,
      high,
      low,
      close,
      volume: 1 + rand() * 10,
    });
  }
  return bars;
}

const BARS = series(300);
const CLOSES = BARS.map((b) => b.close);

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const nan = (n: number) => Array<number>(n).fill(NaN);

function refSma(xs: number[], n: number): number[] {
  return xs.map((
    _,
    i,
  ) => (i < n - 1 || isNaN(xs[i - n + 1]) ? NaN : sum(xs.slice(i - n + 1, i + 1)) / n));
}

/** TA-Lib EMA: seeded with the SMA of the first n defined values. */
function refEma(xs: number[], n: number): number[] {
  const start = xs.findIndex((x) => !isNaN(x));
  const out = nan(xs.length);
  const k = 2 / (n + 1);
  const seedAt = start + n - 1;
  if (seedAt >= xs.length) return out;
  out[seedAt] = sum(xs.slice(start, seedAt + 1)) / n;
  for (let i = seedAt + 1; i < xs.length; i++) out[i] = out[i - 1] + k * (xs[i] - out[i - 1]);
  return out;
}

function refWma(xs: number[], n: number): number[] {
  return xs.map((_, i) => {
    if (i < n - 1) return NaN;
    let w = 0;
    for (let j = 0; j < n; j++) w += xs[i - n + 1 + j] * (j + 1);
    return w / (n * (n + 1) / 2);
  });
}

function refRsi(xs: number[], n: number): number[] {
  const out = nan(xs.length);
  let gain = 0;
  let loss = 0;
  for (let i = 1; i < xs.length; i++) {
    const d = xs[i] - xs[i - 1];
    const g = Math.max(d, 0);
    const l = Math.max(-d, 0);
    if (i <= n) {
      gain += g / n;
      loss += l / n;
      if (i < n) continue;
    } else {
      gain = (gain * (n - 1) + g) / n;
      loss = (loss * (n - 1) + l) / n;
    }
    out[i] = gain + loss === 0 ? 0 : 100 * gain / (gain + loss);
  }
  return out;
}

function trueRanges(bars: Bar[]): number[] {
  return bars.map((b, i) =>
    i === 0 ? b.high - b.low : Math.max(
      b.high - b.low,
      Math.abs(b.high - bars[i - 1].close),
      Math.abs(b.low - bars[i - 1].close),
    )
  );
}

function refAtr(bars: Bar[], n: number): number[] {
  const tr = trueRanges(bars);
  const out = nan(bars.length);
  out[n - 1] = sum(tr.slice(0, n)) / n;
  for (let i = n; i < bars.length; i++) out[i] = (out[i - 1] * (n - 1) + tr[i]) / n;
  return out;
}

/** TA-Lib TA_ADX, transcribed as a batch loop. */
function refAdx(bars: Bar[], n: number): number[] {
  const out = nan(bars.length);
  const tr = trueRanges(bars);
  const dm = bars.map((b, i) => {
    if (i === 0) return [0, 0];
    const up = b.high - bars[i - 1].high;
    const down = bars[i - 1].low - b.low;
    if (down > 0 && up < down) return [0, down];
    if (up > 0 && up > down) return [up, 0];
    return [0, 0];
  });
  let plus = 0, minus = 0, range = 0, sumDx = 0, adx = NaN;
  for (let i = 1; i < bars.length; i++) {
    if (i >= n) {
      plus -= plus / n;
      minus -= minus / n;
      range -= range / n;
    }
    plus += dm[i][0];
    minus += dm[i][1];
    range += tr[i];
    if (i < n) continue;
    let dx = NaN;
    if (range !== 0) {
      const pdi = 100 * plus / range, mdi = 100 * minus / range;
      if (pdi + mdi !== 0) dx = 100 * Math.abs(mdi - pdi) / (mdi + pdi);
    }
    if (i <= 2 * n - 1) {
      if (!isNaN(dx)) sumDx += dx;
      if (i === 2 * n - 1) out[i] = adx = sumDx / n;
    } else {
      if (!isNaN(dx)) adx = (adx * (n - 1) + dx) / n;
      out[i] = adx;
    }
  }
  return out;
}

function refStoch(bars: Bar[], fk: number, sk: number, sd: number): number[][] {
  const fast = bars.map((b, i) => {
    if (i < fk - 1) return NaN;
    const w = bars.slice(i - fk + 1, i + 1);
    const hh = Math.max(...w.map((x) => x.high)), ll = Math.min(...w.map((x) => x.low));
    return hh - ll > 0 ? (b.close - ll) / (hh - ll) * 100 : 0;
  });
  const k = refSma(fast, sk);
  const d = refSma(k, sd);
  return [k.map((x, i) => (isNaN(d[i]) ? NaN : x)), d];
}

function refCci(bars: Bar[], n: number): number[] {
  const tp = bars.map((b) => (b.high + b.low + b.close) / 3);
  return tp.map((x, i) => {
    if (i < n - 1) return NaN;
    const w = tp.slice(i - n + 1, i + 1);
    const mean = sum(w) / n;
    const md = sum(w.map((v) => Math.abs(v - mean))) / n;
    return md === 0 || x === mean ? 0 : (x - mean) / (0.015 * md);
  });
}

function refBollinger(xs: number[], n: number, k: number): number[][] {
  const mid = refSma(xs, n);
  const sd = xs.map((_, i) => {
    if (i < n - 1) return NaN;
    const w = xs.slice(i - n + 1, i + 1);
    return Math.sqrt(sum(w.map((v) => (v - mid[i]) ** 2)) / n);
  });
  return [mid.map((m, i) => m + k * sd[i]), mid, mid.map((m, i) => m - k * sd[i])];
}

/** TA-Lib MACD: the fast EMA is seeded on the window ending where the slow one is. */
function refMacd(xs: number[], fast: number, slow: number, signal: number): number[][] {
  const slowEma = refEma(xs, slow);
  const fastEma = refEma(xs.map((x, i) => (i < slow - fast ? NaN : x)), fast);
  const macd = slowEma.map((s, i) => fastEma[i] - s);
  const sig = refEma(macd, signal);
  const start = slow + signal - 2;
  const cut = (arr: number[]) => arr.map((x, i) => (i < start ? NaN : x));
  return [cut(macd), sig, cut(macd.map((m, i) => m - sig[i]))];
}

function run(indicator: Indicator, inputs: number[] = CLOSES): number[][] {
  const outs: number[][] = Array.from({ length: indicator.out.length }, () => []);
  BARS.forEach((bar, i) => {
    indicator.update(bar, Float64Array.of(inputs[i]), 0);
    for (let k = 0; k < indicator.out.length; k++) outs[k].push(indicator.out[k]);
  });
  return outs;
}

function assertSeries(actual: number[], expected: number[], label: string): void {
  assert.equal(actual.length, expected.length);
  const first = expected.findIndex((x) => !isNaN(x));
  assert.ok(first >= 0, `${label}: reference has values`);
  assert.equal(actual.findIndex((x) => !isNaN(x)), first, `${label}: first value index`);
  for (let i = first; i < expected.length; i++) {
    const tolerance = 1e-9 * Math.max(1, Math.abs(expected[i]));
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tolerance,
      `${label}[${i}]: ${actual[i]} vs reference ${expected[i]}`,
    );
  }
}

Deno.test("SMA equals the windowed mean", () =>
  assertSeries(run(new Sma(10))[0], refSma(CLOSES, 10), "SMA"));
Deno.test("EMA is TA-Lib seeded", () =>
  assertSeries(run(new Ema(12))[0], refEma(CLOSES, 12), "EMA"));
Deno.test("WMA equals the weighted mean", () =>
  assertSeries(run(new Wma(9))[0], refWma(CLOSES, 9), "WMA"));
Deno.test("DEMA is 2·EMA − EMA(EMA), TA-Lib seeded", () => {
  const e1 = refEma(CLOSES, 8);
  const e2 = refEma(e1, 8);
  assertSeries(run(new Dema(8))[0], e1.map((x, i) => 2 * x - e2[i]), "DEMA");
});
Deno.test("RSI uses Wilder smoothing", () =>
  assertSeries(run(new Rsi(14))[0], refRsi(CLOSES, 14), "RSI"));
Deno.test("ATR uses Wilder smoothing from the mean of the first TRs", () =>
  assertSeries(run(new Atr(14))[0], refAtr(BARS, 14), "ATR"));
Deno.test("ADX matches TA-Lib's algorithm", () =>
  assertSeries(run(new Adx(14))[0], refAdx(BARS, 14), "ADX"));
Deno.test("Bollinger bands use the population standard deviation", () => {
  const actual = run(new Bollinger(20, 2));
  refBollinger(CLOSES, 20, 2).forEach((ref, k) => assertSeries(actual[k], ref, `BBANDS[${k}]`));
});
Deno.test("MACD matches TA-Lib's seeding and alignment", () => {
  const actual = run(new Macd(12, 26, 9));
  refMacd(CLOSES, 12, 26, 9).forEach((ref, k) => assertSeries(actual[k], ref, `MACD[${k}]`));
});
Deno.test("STOCH slow %K and %D", () => {
  const actual = run(new Stoch(5, 3, 3));
  refStoch(BARS, 5, 3, 3).forEach((ref, k) => assertSeries(actual[k], ref, `STOCH[${k}]`));
});
Deno.test("CCI uses the mean deviation", () =>
  assertSeries(run(new Cci(14))[0], refCci(BARS, 14), "CCI"));
Deno.test("OBV starts at the first volume", () => {
  let obv = 0;
  const ref = BARS.map((b, i) =>
    obv = i === 0 ? b.volume : obv + Math.sign(b.close - BARS[i - 1].close) * b.volume
  );
  assertSeries(run(new Obv())[0], ref, "OBV");
});
Deno.test("VWAP is cumulative within a UTC day", () => {
  const tp = BARS.map((b) => (b.high + b.low + b.close) / 3);
  const day = (b: Bar) => Math.floor(b.openTime / 86_400_000);
  const ref = BARS.map((b, i) => {
    const same = BARS.slice(0, i + 1).map((x, j) => [x, j] as const).filter(([x]) =>
      day(x) === day(b)
    );
    return sum(same.map(([x, j]) => tp[j] * x.volume)) / sum(same.map(([x]) => x.volume));
  });
  assertSeries(run(new Vwap(), tp)[0], ref, "VWAP");
});
Deno.test("ROC is the percentage change over the period", () => {
  const ref = CLOSES.map((x, i) => (i < 10 ? NaN : (x / CLOSES[i - 10] - 1) * 100));
  assertSeries(run(new Roc(10))[0], ref, "ROC");
});
