import assert from "node:assert/strict";
import type { LogWrite, NewAlert } from "../db/stores/mod.ts";
import { ALERT_KINDS, type AlertKind } from "../engine/runtime/alerts/mod.ts";
import { FeedWatch } from "../engine/runtime/alerts/feed_watch.ts";
import { SessionAlertSource } from "../engine/runtime/alerts/source.ts";
import type { FeedStatus } from "../engine/runtime/market/mod.ts";
import { transition } from "../engine/core/session/mod.ts";

const TARGETS = { global: ["https://example.com/h"], perSession: false };

function source(kinds: readonly AlertKind[] = ALERT_KINDS) {
  let committed = 0;
  const alerts = new SessionAlertSource(TARGETS, { kinds, committed: () => committed++ });
  return { alerts, committed: () => committed };
}

const fill = {
  type: "fill",
  time: 1_000,
  fill: { id: "f1", side: "buy", symbol: "BTCUSDT", price: 1, quantity: 1, fee: 0 },
  position: { symbol: "BTCUSDT", quantity: 1 },
} as unknown as LogWrite["effects"][number];
const trade = {
  type: "trade_closed",
  time: 2_000,
  trade: { id: "t1", symbol: "BTCUSDT", pnl: 1 },
} as unknown as LogWrite["effects"][number];
const equity = { type: "equity", time: 3_000, equity: 1 } as LogWrite["effects"][number];

function change(from: Parameters<typeof transition>[0], event: Parameters<typeof transition>[1]) {
  const next = transition(from, event);
  assert.ok(next.ok, `${event} from ${from}`);
  return next;
}

Deno.test("session writes: fills and round trips keyed by session and sequence number", () => {
  const { alerts } = source();
  const out = alerts.of([{ sessionId: "s1", firstSeq: 10, effects: [fill, equity, trade] }]);
  assert.deepEqual(out.map((a) => [a.key, a.kind, a.time]), [
    ["fill:s1:10", "fill", 1_000],
    ["round_trip:s1:12", "round_trip", 2_000],
  ]);
  assert.deepEqual(out[0].data, {
    fill: (fill as { fill: unknown }).fill,
    position: { symbol: "BTCUSDT", quantity: 1 },
  });
  // The same writes committed again (a retry) give the same keys.
  assert.deepEqual(
    alerts.of([{ sessionId: "s1", firstSeq: 10, effects: [fill, equity, trade] }]).map((a) =>
      a.key
    ),
    out.map((a) => a.key),
  );
});

Deno.test("session writes: a worker restart and a failure, with their cause, keyed by restart count", () => {
  const { alerts } = source();
  const restarted = alerts.of([{
    sessionId: "s1",
    firstSeq: 5,
    effects: [],
    status: { change: change("running", "restart"), restarts: 3, restartReason: "worker error" },
  }]);
  assert.deepEqual(restarted.map((a) => [a.key, a.kind, a.data]), [[
    "session_restarted:s1:3",
    "session_restarted",
    { status: "starting", reason: "worker error", restarts: 3 },
  ]]);
  const failed = alerts.of([{
    sessionId: "s1",
    firstSeq: 5,
    effects: [],
    status: { change: change("running", "fail"), restarts: 6, lastError: "6 restarts within 60 s" },
  }]);
  assert.deepEqual(failed.map((a) => [a.key, (a.data as { error: string }).error]), [[
    "session_failed:s1:6",
    "6 restarts within 60 s",
  ]]);
  assert.deepEqual(
    alerts.of([{
      sessionId: "s1",
      firstSeq: 5,
      effects: [],
      status: { change: change("running", "pause") },
    }]),
    [],
    "a pause is no alert",
  );
});

Deno.test("session writes: only the configured kinds, and nothing without any target", () => {
  const { alerts } = source(["round_trip"]);
  assert.deepEqual(
    alerts.of([{ sessionId: "s", firstSeq: 1, effects: [fill, trade] }]).map((a) => a.kind),
    ["round_trip"],
  );
  const none = new SessionAlertSource({ global: [], perSession: false }, {
    kinds: ALERT_KINDS,
    committed: () => {},
  });
  assert.deepEqual(none.of([{ sessionId: "s", firstSeq: 1, effects: [fill, trade] }]), []);
});

Deno.test("feed outages: down when a connected feed drops, up with the time it was down", () => {
  let connected = false;
  let now = 1_000;
  const emitted: NewAlert[] = [];
  const status = () => ({ name: "binance", simulated: false, connected, reason: "closed" });
  const watch = new FeedWatch(status as () => FeedStatus, {
    emit: (a) => emitted.push(a),
    now: () => now,
  });
  watch.check(); // the baseline: not connected at start is no outage
  connected = true;
  watch.check();
  assert.equal(emitted.length, 0, "the first connection is no alert");
  connected = false;
  now = 5_000;
  watch.check();
  watch.check();
  connected = true;
  now = 12_000;
  watch.check();
  assert.deepEqual(emitted.map((a) => [a.key, a.kind, a.sessionId, a.data]), [
    ["feed_down:binance:5000", "feed_down", null, {
      feed: "binance",
      simulated: false,
      reason: "closed",
    }],
    ["feed_up:binance:5000", "feed_up", null, {
      feed: "binance",
      simulated: false,
      down_ms: 7_000,
    }],
  ]);
});

Deno.test("session writes: a trading-state change raises risk_state; a refused order raises none", () => {
  const { alerts } = source();
  const halted = {
    type: "risk",
    kind: "state",
    time: 4_000,
    state: "halted",
    previous: "active",
    rule: "max_drawdown",
    message: "drawdown 10.5% from the equity peak 10000 (limit 10%)",
    values: { equity: 8_950, peak: 10_000 },
    until: null,
  } as LogWrite["effects"][number];
  const refused = {
    type: "risk",
    kind: "refused",
    time: 4_001,
    state: "halted",
    rule: "max_drawdown",
    message: "session halted",
    values: {},
    order: { symbol: "BTCUSDT", side: "buy", quantity: 1, price: 1 },
  } as LogWrite["effects"][number];
  const out = alerts.of([{ sessionId: "s1", firstSeq: 20, effects: [halted, refused] }]);
  assert.deepEqual(out.map((a) => [a.key, a.kind, a.time]), [[
    "risk_state:s1:20",
    "risk_state",
    4_000,
  ]]);
  assert.deepEqual(out[0].data, {
    from: "active",
    to: "halted",
    rule: "max_drawdown",
    reason: "drawdown 10.5% from the equity peak 10000 (limit 10%)",
    values: { equity: 8_950, peak: 10_000 },
    until: null,
  });
});
