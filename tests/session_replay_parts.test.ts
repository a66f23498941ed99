/**
 * A restored session's missed market events reach its worker in parts of at
 * most 10,000 events, in time order over its symbols, and the worker applies
 * them all, once and in order, before any bus batch, and reports the state
 * only after the last part: it is the state after the same events in one
 * message.
 */
import assert from "node:assert/strict";
import { resolveExecutionConfig } from "../engine/core/execution/mod.ts";
import { parseStrategy } from "../engine/core/strategy/mod.ts";
import type { MarketEvent } from "../engine/core/types.ts";
import type { SessionEffect } from "../engine/core/session/mod.ts";
import { MarketHub } from "../engine/runtime/market/hub.ts";
import { SimFeed } from "../engine/runtime/market/sim_feed.ts";
import { REPLAY_PART_EVENTS, replayParts } from "../engine/runtime/replay_parts.ts";
import { SessionHost } from "../engine/runtime/session_host.ts";
import type { FromWorker, SessionState, ToWorker } from "../engine/runtime/worker_protocol.ts";
import { BusReader } from "../engine/runtime/market/bus_reader.ts";
import { T0, waveTrades } from "./support/trades.ts";
import { until } from "./support/wait.ts";

/** What the host told its worker: messages, and reports with the state after them. */
type Heard = FromWorker | (SessionState & { readonly effects: SessionEffect[] });

const time = (e: MarketEvent) => e.type === "candle" ? e.closeTime : e.time;

Deno.test("replay parts: bounded, in time order over the symbols, every event once", () => {
  const replay = {
    BTCUSDT: waveTrades({ count: 25_000, stepMs: 100 }),
    ETHUSDT: waveTrades({ symbol: "ETHUSDT", count: 12_000, stepMs: 200, start: T0 + 50 }),
  };
  const parts = replayParts(replay);
  assert.equal(parts.length, Math.ceil(37_000 / REPLAY_PART_EVENTS));
  for (const part of parts) {
    const size = Object.values(part).reduce((n, events) => n + events.length, 0);
    assert.ok(size <= REPLAY_PART_EVENTS, `a part of ${size} events`);
  }
  for (const symbol of ["BTCUSDT", "ETHUSDT"] as const) {
    assert.deepEqual(
      parts.flatMap((p) => p[symbol] ?? []),
      replay[symbol],
      `${symbol} once, in order`,
    );
  }
  for (let k = 1; k < parts.length; k++) {
    const end = Math.max(...Object.values(parts[k - 1]).flatMap((events) => events.map(time)));
    const start = Math.min(...Object.values(parts[k]).flatMap((events) => events.map(time)));
    assert.ok(end < start, `part ${k} starts after every event of part ${k - 1}`);
  }
  assert.deepEqual(replayParts({ BTCUSDT: [] }), [], "nothing to replay, no part");
});

Deno.test("a worker applies a catch-up sent in parts like one sent whole, before the bus", async () => {
  const source = await Deno.readTextFile(
    new URL("../strategies/ema_cross_fast.yaml", import.meta.url),
  );
  const parsed = parseStrategy(source);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const missed = waveTrades({ count: 25_000 });
  const hub = new MarketHub(new SimFeed(), { warmup: false });
  // A live batch on the bus, after what the session missed.
  hub.ingest(waveTrades({ count: 1, start: T0 + 10_000_000, seed: 7 })[0]);
  hub.flush();
  const run = (parts: Record<string, MarketEvent[]>[]) => {
    const heard: Heard[] = [];
    const init = {
      type: "init",
      sessionId: "s",
      symbol: "BTCUSDT",
      strategy: parsed.strategy,
      execution: resolveExecutionConfig({ initial_cash: 10_000 }),
      history: [],
      replay: parts[0],
      ...(parts.length > 1 ? { replayMore: true } : {}),
      startAfter: { BTCUSDT: 0 },
      rings: { BTCUSDT: hub.ring("BTCUSDT") },
      progress: new Int32Array(new SharedArrayBuffer(4)),
      handled: new Int32Array(new SharedArrayBuffer(4)),
    } satisfies ToWorker;
    const host = new SessionHost(init, {
      // As a worker posts them: a copy of the moment.
      post: (m) => heard.push(structuredClone({ ...m, sessionId: "s" }) as FromWorker),
      report: ({ effects, receivedAt, state }) =>
        heard.push({ ...structuredClone({ effects, receivedAt }), ...state()!, sessionId: "s" }),
      flush: () => {},
      viewChanged: () => {},
      reader: new BusReader(),
      advance: () => {},
    });
    return { host, heard };
  };
  /** The snapshots the session reported, with the bus batch each includes. */
  const reported = (heard: Heard[]) =>
    heard.flatMap((m) => "snapshot" in m ? [{ snapshot: m.snapshot, bus: m.busSeq.BTCUSDT }] : []);

  const whole = run([{ BTCUSDT: missed }]);
  const parted = run(replayParts({ BTCUSDT: missed }));
  try {
    await until(
      () => reported(whole.heard).some((r) => r.bus === 1),
      "the whole catch-up, then the bus batch",
    );
    const rest = replayParts({ BTCUSDT: missed }).slice(1);
    assert.equal(rest.length, 2, "two more parts follow the first");
    // The bus waits for the last part, however long it takes to come; nothing is reported
    // part of the way (a restart from such a state would skip the parts still to come).
    parted.host.handle({ type: "replay", sessionId: "s", replay: rest[0], more: true });
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.deepEqual(reported(parted.heard), [], "no state reported before the last part");
    parted.host.handle({ type: "replay", sessionId: "s", replay: rest[1], more: false });
    await until(
      () => reported(parted.heard).some((r) => r.bus === 1),
      "the bus batch after the parts",
    );
    const caughtUp = (heard: Heard[]) =>
      reported(heard).filter((r) => r.bus === 0).at(-1)!.snapshot;
    assert.equal(
      caughtUp(parted.heard),
      caughtUp(whole.heard),
      "the same state after the catch-up",
    );
  } finally {
    whole.host.close();
    parted.host.close();
    await hub.close();
  }
});
