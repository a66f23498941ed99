import assert from "node:assert/strict";
import { createMetrics, metricsOf } from "../engine/core/metrics/mod.ts";
import {
  clock,
  decimal,
  duration,
  METRIC_LABELS,
  metricRows,
  money,
  percent,
  ratio,
  signedMoney,
  signedPercent,
  time,
  tone,
} from "../presentation/mod.ts";

Deno.test("numbers, times and durations are formatted for people, a missing value is —", () => {
  assert.equal(money(12345.678), "12,345.68");
  assert.equal(money(-0.5), "-0.50");
  assert.equal(money(5.00528586, { maxDigits: 4 }), "5.0053");
  assert.equal(money(null), "—");
  assert.equal(money(Number.NaN), "—");
  assert.equal(signedMoney(12.3), "+12.30");
  assert.equal(signedMoney(-4), "-4.00");
  assert.equal(signedMoney(undefined), "—");
  assert.equal(decimal(0.00150000), "0.0015");
  assert.equal(decimal(64210.5), "64,210.5");
  assert.equal(decimal(null), "—");
  assert.equal(signedPercent(0.01234), "+1.23%");
  assert.equal(percent(0.01234), "1.23%");
  assert.equal(percent(-0.5), "-50.00%");
  assert.equal(signedPercent(-0.5), "-50.00%");
  assert.equal(percent(0), "0.00%");
  assert.equal(signedPercent(0), "0.00%");
  assert.equal(percent(null), "—");
  assert.equal(ratio(null), "—");
  assert.equal(ratio(1.23456), "1.23");
  assert.equal(ratio(Infinity), "∞");
  assert.equal(time(0), "1970-01-01T00:00:00Z");
  assert.equal(time("2026-11-24T23:37:08.755Z"), "2026-11-24T23:37:08.755Z");
  assert.equal(time(null), "—");
  assert.equal(clock(Date.UTC(2026, 10, 25, 9, 8, 7)), "09:08:07");
  assert.equal(duration(0), "0s");
  assert.equal(duration(90_061_000), "1d 1h 1m 1s");
  assert.equal(duration(250), "250ms");
  assert.equal(duration(null), "—");
  assert.deepEqual([tone(1), tone(-1), tone(0)], ["up", "down", ""]);
});

Deno.test("one metric list labels every metric once, in display order", () => {
  const metrics = metricsOf(createMetrics({ initial_equity: 10_000 }));
  const keys = METRIC_LABELS.map((m) => m.key);
  assert.deepEqual([...keys].sort(), Object.keys(metrics).sort(), "every metric has one label");
  assert.equal(new Set(METRIC_LABELS.map((m) => m.label)).size, keys.length, "labels are unique");
  const rows = metricRows(metrics);
  assert.deepEqual(rows.map((r) => r.key), keys);
  const value = (key: string) => rows.find((r) => r.key === key)?.value;
  assert.equal(value("sharpe"), "—", "a ratio without enough returns is shown as —");
  assert.equal(value("equity"), "10,000.00");
  assert.equal(value("total_return"), "0.00%");
  assert.equal(value("trade_count"), "0");
  const hint = (key: string) => rows.find((r) => r.key === key)?.hint;
  for (const ratio of ["sharpe", "sortino", "calmar"]) {
    assert.match(hint(ratio) ?? "", /^needs 30 equity returns, has 0 .*docs\/execution\.md/);
  }
  assert.equal(hint("win_rate"), "no closed trade yet");
  assert.equal(hint("equity"), undefined, "a value needs no hint");
});
