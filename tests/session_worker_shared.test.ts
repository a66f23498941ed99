import assert from "node:assert/strict";
import { MarketHub } from "../engine/runtime/market/hub.ts";
import { SimFeed } from "../engine/runtime/market/sim_feed.ts";
import { SessionCore, type SessionEffect } from "../engine/core/session/mod.ts";
import { resolveExecutionConfig } from "../engine/core/execution/mod.ts";
import { parseStrategy } from "../engine/core/strategy/mod.ts";
import { effectiveLimits } from "../engine/core/risk/limits.ts";
import { FLIP_STRATEGY } from "../fixtures/bench_feed.ts";
import type { Trade } from "../engine/core/types.ts";
import { tradeOf } from "./support/trades.ts";
import type { FromWorker, ToWorker } from "../engine/runtime/worker_protocol.ts";
import { BusReader } from "../engine/runtime/market/bus_reader.ts";
import { type ReportedEffects, SessionHost } from "../engine/runtime/session_host.ts";
import { until } from "./support/wait.ts";

const SYMBOL = "BTCUSDT";
/** A liveness bound for every wait (generous for a loaded machine). */
const DEADLINE_MS = 60_000;
/** Batches published before the sessions start; then live ones up to {@link LAST}. */
const BEFORE = 25;
const LAST = 60;
/** Where each hosted session's restored state ends (a bus seq). */
const STARTS = [0, 8, 17, BEFORE];

const parsed = parseStrategy(JSON.stringify(FLIP_STRATEGY));
if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
const strategy = parsed.strategy;
const execution = resolveExecutionConfig({});

/** Trade `id`, 200 ms after the one before: a 1 s candle closes every fifth. */
function trade(id: number): Trade {
  return tradeOf({
    symbol: SYMBOL,
    id,
    price: 100 + (id % 7),
    time: 1_800_000_000_000 + id * 200,
    buyerMaker: id % 2 === 0,
  });
}

/** The fills a session run alone in this thread makes on trades `from`..{@link LAST}. */
function referenceFills(from: number): SessionEffect[] {
  const core = new SessionCore({
    symbol: SYMBOL,
    strategy,
    execution,
    risk: effectiveLimits(strategy.risk),
  });
  core.warm([]);
  const out: SessionEffect[] = [];
  for (let id = from; id <= LAST; id++) core.step(trade(id), out);
  return out.filter((e) => e.type === "fill");
}

/** The message starting session `sessionId` from a state that ends after bus batch `start`. */
function init(
  hub: MarketHub,
  sessionId: string,
  start: number,
  progress: Int32Array,
  handled: Int32Array,
): Extract<ToWorker, { type: "init" }> {
  return {
    type: "init",
    sessionId,
    symbol: SYMBOL,
    strategy,
    execution,
    history: [],
    startAfter: { [SYMBOL]: start },
    rings: { [SYMBOL]: hub.ring(SYMBOL) },
    progress,
    handled,
    // As the supervisor starts a pooled worker: its warm-up runs beside the sessions.
    warmUp: true,
  };
}

Deno.test("a worker's sessions restored at different points each get exactly their batches, report each batch once with their effects grouped, their states in the next message", async () => {
  const hub = new MarketHub(new SimFeed(), { batchMax: 1, warmup: false });
  const publish = (id: number) => (hub.ingest(trade(id)), hub.flush());
  for (let id = 1; id <= BEFORE; id++) publish(id);
  const worker = new Worker(new URL("../engine/runtime/session_worker.ts", import.meta.url), {
    type: "module",
  });
  const messages: FromWorker[] = [];
  worker.onmessage = (event: MessageEvent<FromWorker>) => {
    const message = event.data;
    messages.push(message);
    if (message.type === "recover") {
      const { sessionId, symbol, from, to } = message;
      const batches = hub.recover(symbol, from, to);
      worker.postMessage({ type: "recovered", sessionId, symbol, batches } satisfies ToWorker);
    }
  };
  const progress = new Int32Array(new SharedArrayBuffer(4));
  // As the supervisor does: a session's handled seq starts where its state ends.
  const handled = STARTS.map((start) => new Int32Array(new SharedArrayBuffer(4)).fill(start));
  const ids = STARTS.map((_, i) => `session-${i}`);
  const reports = () =>
    messages.flatMap((m) =>
      m.type === "effects"
        ? m.reports.map((r) => ({ ...r, effects: JSON.parse(r.effects) as SessionEffect[] }))
        : []
    );
  const handledAll = (seq: number) => handled.every((h) => Atomics.load(h, 0) === seq);
  try {
    STARTS.forEach((start, i) =>
      worker.postMessage(init(hub, ids[i], start, progress, handled[i]))
    );
    await until(
      () => messages.filter((m) => m.type === "ready").length === ids.length,
      "every session to report ready",
      DEADLINE_MS,
    );
    await until(
      () => handledAll(BEFORE),
      "every session to catch up to the live batch",
      DEADLINE_MS,
    );
    const live = messages.length;
    for (let id = BEFORE + 1; id <= LAST; id++) {
      publish(id);
      await until(() => handledAll(id), `every session to handle batch ${id}`, DEADLINE_MS);
    }
    const lastFill = referenceFills(1).at(-1)!.time;
    await until(
      () => reports().filter((r) => r.effects.some((e) => e.time === lastFill)).length === 4,
      "every session's last fill",
      DEADLINE_MS,
    );
    assert.deepEqual(messages.filter((m) => m.type === "crashed"), [], "no session crashed");
    // Their views travel together too: the trailing one after the last batch names every session once.
    await until(
      () =>
        messages.some((m) =>
          m.type === "views" && m.views.map((v) => v.sessionId).sort().join() === ids.join()
        ),
      "one message with the views of every session",
      DEADLINE_MS,
    );

    STARTS.forEach((start, i) => {
      const fills = reports().filter((r) => r.sessionId === ids[i]).flatMap((r) =>
        r.effects.filter((e) => e.type === "fill")
      );
      const expected = referenceFills(start + 1);
      assert.ok(expected.length >= 5, `session ${i} fills: ${expected.length}`);
      assert.deepEqual(fills, expected, `session ${i}, after batch ${start}: exactly its trades`);
    });

    // Every effects message is followed at once by the states of the same sessions.
    messages.forEach((m, i) => {
      if (m.type !== "effects") return;
      const next = messages[i + 1];
      assert.ok(next?.type === "states", `message ${i + 1} after effects: ${next?.type}`);
      assert.deepEqual(
        next.states.map((s) => s.sessionId),
        m.reports.map((r) => r.sessionId),
        "a state for each report, in order",
      );
    });
    // Live batches: whatever the sessions reported about one batch came in one message.
    const effects = messages.slice(live).filter((m) => m.type === "effects");
    const states = messages.slice(live).filter((m) => m.type === "states");
    for (const message of states) {
      const seqs = new Set(message.states.map((s) => s.busSeq[SYMBOL]));
      assert.equal(seqs.size, 1, `one batch per message: ${[...seqs]}`);
    }
    // A session reports on a batch once; the reports of one batch may take more than one message
    // when the first have waited their grouping time (a loaded machine), so only the once holds.
    const reported = new Set<string>();
    for (const message of states) {
      for (const state of message.states) {
        const key = `${state.sessionId} on batch ${state.busSeq[SYMBOL]}`;
        assert.ok(!reported.has(key), `${key} reported twice`);
        reported.add(key);
      }
    }
    assert.ok(
      effects.some((m) => m.reports.length > 1),
      "the sessions' effects of a candle close travel together",
    );
  } finally {
    worker.terminate();
    await hub.close();
  }
});

Deno.test("a session that throws on a batch it shares with others crashes alone: its neighbours go on with every batch", async () => {
  const hub = new MarketHub(new SimFeed(), { batchMax: 1, warmup: false });
  const reader = new BusReader();
  const progress = new Int32Array(new SharedArrayBuffer(4));
  const crashed: string[] = [];
  const handled = [0, 1, 2].map(() => new Int32Array(new SharedArrayBuffer(4)));
  const hosts = handled.map((h, i) => {
    let batches = 0;
    return new SessionHost(init(hub, `session-${i}`, 0, progress, h), {
      post: (m) => m.type === "crashed" && crashed.push(`session-${i}: ${m.error}`),
      report: () => {},
      flush: () => {},
      viewChanged: () => {},
      reader,
      // The middle session throws while it handles its third batch.
      advance: () => {
        if (i === 1 && ++batches === 3) throw new Error("broken step");
      },
    });
  });
  try {
    for (let id = 1; id <= 10; id++) hub.ingest(trade(id)), hub.flush();
    await until(
      () => Atomics.load(handled[0], 0) === 10 && Atomics.load(handled[2], 0) === 10,
      "the neighbours to handle all 10 batches",
      DEADLINE_MS,
    );
    assert.deepEqual(crashed, ["session-1: broken step"], "the reason without the class name");
    assert.equal(Atomics.load(handled[1], 0), 2, "the crashed one stopped before its third batch");
    assert.deepEqual(hosts.map((h) => h.open), [true, false, true]);
  } finally {
    for (const host of hosts) host.close();
    await hub.close();
  }
});

Deno.test("a session's reported effects go with the state right after them, however late its worker takes that state", async () => {
  const hub = new MarketHub(new SimFeed(), { batchMax: 1, warmup: false });
  const progress = new Int32Array(new SharedArrayBuffer(4));
  const handled = new Int32Array(new SharedArrayBuffer(4));
  const queued: ReportedEffects[] = [];
  const sent: { effects: SessionEffect[]; bus: number; trade: number }[] = [];
  // A worker that never sends on its own: only the session asks it to, before its state changes.
  const flush = () => {
    for (const { effects, state } of queued.splice(0)) {
      const { snapshot, busSeq } = state()!;
      sent.push({ effects, bus: busSeq[SYMBOL], trade: JSON.parse(snapshot).resume[SYMBOL].trade });
    }
  };
  const host = new SessionHost(init(hub, "s", 0, progress, handled), {
    post: () => {},
    report: (entry) => queued.push(entry),
    flush,
    viewChanged: () => {},
    reader: new BusReader(),
    advance: () => {},
  });
  try {
    for (let id = 1; id <= LAST; id++) {
      hub.ingest(trade(id));
      hub.flush();
      await until(
        () => Atomics.load(handled, 0) === id,
        `the session to handle batch ${id}`,
        DEADLINE_MS,
      );
    }
    flush();
    const fills = sent.flatMap((s) => s.effects.filter((e) => e.type === "fill"));
    assert.deepEqual(fills, referenceFills(1), "every fill, once");
    for (const { effects, bus, trade: last } of sent) {
      assert.equal(bus, last, "the state's bus batch holds its last trade");
      assert.equal(
        Math.max(...effects.map((e) => e.time)),
        trade(last).time,
        `the state of batch ${bus} is the one right after the effects it goes with`,
      );
    }
  } finally {
    host.close();
    await hub.close();
  }
});
