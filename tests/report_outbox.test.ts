import assert from "node:assert/strict";
import { type Report, ReportOutbox } from "../engine/runtime/report_outbox.ts";
import { type FromWorker, STATES_WAIT_MS } from "../engine/runtime/worker_protocol.ts";
import type { SessionEffect } from "../engine/core/session/mod.ts";
import { until } from "./support/wait.ts";

/** A liveness bound for every wait (generous for a loaded machine). */
const DEADLINE_MS = 30_000;

/** A session's report of one equity effect; its state names the session and the time. */
function report(sessionId: string, time: number): Report {
  const effects: SessionEffect[] = [{
    type: "equity",
    time,
    equity: 10_000,
    exposed: false,
    periods: 0,
    exposed_ms: 0,
  }];
  return {
    sessionId,
    effects,
    receivedAt: performance.timeOrigin + performance.now(),
    state: () => ({ snapshot: `${sessionId}@${time}`, busSeq: { BTCUSDT: time } }),
  };
}

/** An outbox whose messages are kept with the time (`performance.now()`) each went. */
function outbox() {
  const sent: { message: FromWorker; at: number }[] = [];
  const box = new ReportOutbox((message) => sent.push({ message, at: performance.now() }));
  const kinds = () => sent.map(({ message }) => message.type).join(" ");
  const snapshots = () =>
    sent.flatMap(({ message }) =>
      message.type === "states" ? [message.states.map((s) => s.snapshot)] : []
    );
  return { box, sent, kinds, snapshots };
}

/** Tells the outbox that the supervisor has taken `count` effects messages, as the supervisor does. */
function take(taken: Int32Array, count: number): void {
  Atomics.store(taken, 0, count);
  Atomics.notify(taken, 0);
}

Deno.test("report outbox: without a count of what was taken, the states follow each effects message at once", () => {
  const { box, kinds, snapshots, sent } = outbox();
  const reports = new Int32Array(new SharedArrayBuffer(4));
  box.share({ reports });
  box.report(report("a", 1));
  box.report(report("b", 1));
  box.flush();
  assert.equal(kinds(), "effects states");
  assert.deepEqual(snapshots(), [["a@1", "b@1"]], "a state for each report, in order");
  const effects = sent[0].message;
  assert.ok(effects.type === "effects");
  assert.deepEqual(effects.reports.map((r) => JSON.parse(r.effects)[0].time), [1, 1]);
  assert.equal(Atomics.load(reports, 0), 1, "one gathering of effects counted");
});

Deno.test("report outbox: the states wait until the supervisor has taken the effects", async () => {
  const { box, kinds, snapshots } = outbox();
  const taken = new Int32Array(new SharedArrayBuffer(4));
  box.share({ taken });
  const flushed = performance.now();
  box.report(report("a", 1));
  box.flush();
  box.report(report("a", 2));
  box.report(report("b", 2));
  box.flush();
  await Promise.resolve();
  assert.equal(kinds(), "effects effects", "no states before the effects are taken");
  take(taken, 1);
  await new Promise((resolve) => setTimeout(resolve, 0));
  // One of two taken: still waiting, unless its time ran out (a loaded machine).
  if (performance.now() - flushed < STATES_WAIT_MS) {
    assert.equal(kinds(), "effects effects", "no states while one effects message is not taken");
  }
  take(taken, 2);
  await until(
    () => kinds() === "effects effects states states",
    `the states once taken (sent: ${kinds()})`,
    DEADLINE_MS,
  );
  assert.deepEqual(
    snapshots(),
    [["a@1"], ["a@2", "b@2"]],
    "one states message per effects, in order",
  );
});

Deno.test("report outbox: effects never taken get their states STATES_WAIT_MS after them at the latest, not sooner", async () => {
  const { box, kinds, sent } = outbox();
  box.share({ taken: new Int32Array(new SharedArrayBuffer(4)) });
  box.report(report("a", 1));
  box.flush();
  await until(() => kinds() === "effects states", "the states after their wait", DEADLINE_MS);
  const waited = sent[1].at - sent[0].at;
  assert.ok(waited >= STATES_WAIT_MS, `the states came ${waited.toFixed(2)} ms after the effects`);
});

Deno.test("report outbox: a session about to change its state sends every state owed at once, taken or not", async () => {
  const { box, kinds, snapshots } = outbox();
  const taken = new Int32Array(new SharedArrayBuffer(4));
  box.share({ taken });
  box.report(report("a", 1));
  box.flush();
  box.report(report("b", 1));
  box.flushAll();
  assert.equal(kinds(), "effects effects states states");
  assert.deepEqual(snapshots(), [["a@1"], ["b@1"]]);
  // The wait that was under way ends without sending anything twice.
  take(taken, 2);
  await new Promise((resolve) => setTimeout(resolve, STATES_WAIT_MS * 2));
  assert.equal(kinds(), "effects effects states states", "nothing more went");
});
