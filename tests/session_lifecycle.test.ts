import assert from "node:assert/strict";
import {
  SESSION_EVENTS,
  SESSION_STATUSES,
  type SessionEvent,
  type SessionStatus,
  transition,
} from "../engine/core/session/mod.ts";

/** Every legal move: from × event → to. */
const LEGAL: [SessionStatus, SessionEvent, SessionStatus][] = [
  ["starting", "pause", "paused"],
  ["warming_up", "pause", "paused"],
  ["running", "pause", "paused"],
  ["paused", "resume", "running"],
  ["failed", "resume", "starting"],
  ["starting", "stop", "stopping"],
  ["warming_up", "stop", "stopping"],
  ["running", "stop", "stopping"],
  ["paused", "stop", "stopping"],
  ["failed", "stop", "stopped"],
  ["starting", "warming", "warming_up"],
  ["warming_up", "warming", "warming_up"],
  ["running", "warming", "warming_up"],
  ["starting", "warmed", "running"],
  ["warming_up", "warmed", "running"],
  ["running", "warmed", "running"],
  ["starting", "restored_paused", "paused"],
  ["paused", "restored_paused", "paused"],
  ["starting", "restart", "starting"],
  ["warming_up", "restart", "starting"],
  ["running", "restart", "starting"],
  ["stopping", "restart", "starting"],
  ["paused", "restart", "paused"],
  ["starting", "fail", "failed"],
  ["warming_up", "fail", "failed"],
  ["running", "fail", "failed"],
  ["paused", "fail", "failed"],
  ["stopping", "fail", "failed"],
  ["stopping", "stopped", "stopped"],
];

Deno.test("lifecycle: every legal transition leads where the table says, with a reason", () => {
  for (const [from, event, to] of LEGAL) {
    const result = transition(from, event);
    assert.ok(result.ok, `${from} × ${event} should be legal: ${result.reason}`);
    assert.equal(result.to, to, `${from} × ${event}`);
    assert.equal(result.from, from);
    assert.equal(result.event, event);
    assert.ok(result.reason.length > 0, `${from} × ${event} has a reason`);
  }
});

Deno.test("lifecycle: every other pair is refused, naming the status and what is allowed", () => {
  const legal = new Set(LEGAL.map(([from, event]) => `${from}/${event}`));
  let refused = 0;
  for (const from of SESSION_STATUSES) {
    for (const event of SESSION_EVENTS) {
      if (legal.has(`${from}/${event}`)) continue;
      const result = transition(from, event);
      assert.equal(result.ok, false, `${from} × ${event} should be refused`);
      assert.match(result.reason, new RegExp(`a session that is ${from.replace("_", " ")}`));
      assert.match(result.reason, /allowed from: /);
      refused++;
    }
  }
  assert.equal(refused, SESSION_STATUSES.length * SESSION_EVENTS.length - LEGAL.length);
});

Deno.test("lifecycle: stopped is final", () => {
  for (const event of SESSION_EVENTS) assert.equal(transition("stopped", event).ok, false);
});

Deno.test("lifecycle: a refused command says why in the API's words", () => {
  assert.equal(
    transition("stopped", "pause").reason,
    "cannot pause a session that is stopped (allowed from: starting, warming_up, running)",
  );
  assert.equal(
    transition("warming_up", "resume").reason,
    "cannot resume a session that is warming up (allowed from: paused, failed)",
  );
  assert.equal(transition("paused", "resume").ok, true);
});
