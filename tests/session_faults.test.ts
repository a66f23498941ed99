import assert from "node:assert/strict";
import { sql } from "../db/mod.ts";
import type { Fill } from "../engine/core/execution/mod.ts";
import type { SessionSnapshot } from "../engine/core/session/mod.ts";
import type { Service } from "../engine/runtime/service.ts";
import { eventually, startTestServer } from "./support/server.ts";
import { createSession } from "./support/api.ts";

const FAST = { heartbeatMs: 100, hangMs: 600, maxRestarts: 5, restartWindowMs: 60_000 };

async function durableFills(service: Service, id: string): Promise<Fill[]> {
  const rows = await service.db.query<Fill>(
    sql`select * from fills where session_id = ${id} order by time, id`,
  );
  return rows.map((f) => ({
    ...f,
    price: Number(f.price),
    quantity: Number(f.quantity),
    fee: Number(f.fee),
  }));
}

async function snapshotOf(service: Service, id: string): Promise<SessionSnapshot> {
  const rows = await service.db.query<{ state: SessionSnapshot }>(
    sql`select state from session_snapshots where session_id = ${id}`,
  );
  return rows[0].state;
}

/** Cash implied by the fill ledger: initial − Σ buys − Σ fees + Σ sells. */
function ledgerCash(initial: number, fills: readonly Fill[]): number {
  return fills.reduce(
    (cash, f) => cash + (f.side === "sell" ? 1 : -1) * f.price * f.quantity - f.fee,
    initial,
  );
}

Deno.test("a crashed worker is restarted from its durable state: no shown fill lost, book reconciles", async () => {
  const server = await startTestServer({ timings: FAST });
  try {
    const id = await createSession(server.url);
    await eventually(
      async () => (await durableFills(server.service, id)).length >= 2 || undefined,
      {
        what: "two durable fills",
        timeoutMs: 30_000,
      },
    );
    const shownBefore =
      (await (await fetch(`${server.url}/api/paper_trading/sessions/${id}/trades`)).json())
        .items as Fill[];
    server.service.supervisor.inject(id, "crash");
    await eventually(() => server.service.supervisor.get(id)!.restarts >= 1 || undefined, {
      what: "a restart",
    });
    await eventually(() => server.service.supervisor.get(id)!.status === "running" || undefined, {
      what: "running again",
    });
    const live = server.service.supervisor.get(id)!;
    assert.match(live.lastError ?? "", /injected fault: crash/);
    const summary = await (await fetch(`${server.url}/api/paper_trading/sessions/${id}`)).json();
    assert.equal(summary.restarts, 1);
    assert.match(summary.restart_reason, /injected fault: crash/, "the API says why it restarted");

    const fillsAfter = await durableFills(server.service, id);
    for (const shown of shownBefore) {
      assert.ok(fillsAfter.some((f) => f.id === shown.id), `fill ${shown.id} survived`);
    }
    // The restarted worker goes on trading with ids continuing, not restarting at f1.
    const more = await eventually(async () => {
      const fills = await durableFills(server.service, id);
      return fills.length > fillsAfter.length ? fills : undefined;
    }, { what: "fills after the restart", timeoutMs: 30_000 });
    assert.equal(new Set(more.map((f) => f.id)).size, more.length, "fill ids are unique");

    await server.service.persister.flush();
    const snapshot = await snapshotOf(server.service, id);
    const fills = await durableFills(server.service, id);
    const expected = ledgerCash(10_000, fills);
    assert.ok(
      Math.abs(snapshot.account.cash - expected) <= 1e-9 * 10_000,
      `snapshot cash ${snapshot.account.cash} agrees with the fill ledger ${expected}`,
    );
  } finally {
    await server.stop();
  }
});

Deno.test("a hung worker is detected by the heartbeat and restarted", async () => {
  // The whole of a core: the hang bound is not stretched by this machine's load.
  const server = await startTestServer({ timings: FAST, cpuShare: () => 1 });
  try {
    const id = await createSession(server.url);
    await eventually(() => server.service.supervisor.get(id)?.status === "running" || undefined);
    server.service.supervisor.inject(id, "hang");
    await eventually(() => server.service.supervisor.get(id)!.restarts >= 1 || undefined, {
      what: "a restart after the hang",
    });
    assert.match(server.service.supervisor.get(id)!.lastError ?? "", /hung/);
    await eventually(() => server.service.supervisor.get(id)!.status === "running" || undefined, {
      what: "running again",
    });
  } finally {
    await server.stop();
  }
});

Deno.test("too many crashes in the window mark the session failed with the last error", async () => {
  const server = await startTestServer({ timings: { ...FAST, maxRestarts: 2 } });
  try {
    const id = await createSession(server.url);
    for (let i = 0; i < 3; i++) {
      await eventually(() => {
        const live = server.service.supervisor.get(id)!;
        return live.status === "running" || live.status === "warming_up" ? true : undefined;
      }, { what: `running before crash ${i + 1}` });
      server.service.supervisor.inject(id, "crash");
      await eventually(() => {
        const live = server.service.supervisor.get(id)!;
        return live.restarts >= i + 1 || live.status === "failed" ? true : undefined;
      });
    }
    const failed = await eventually(async () => {
      const s = await (await fetch(`${server.url}/api/paper_trading/sessions/${id}`)).json();
      return s.status === "failed" ? s : undefined;
    }, { what: "failed status" });
    assert.match(failed.last_error, /3 restarts within 60 s; last error: .*injected fault/);
    const pause = await fetch(`${server.url}/api/paper_trading/sessions/${id}/pause`, {
      method: "POST",
    });
    assert.equal(pause.status, 409);
    await pause.body?.cancel();
    // The failure may have been the service's own (a stall): the user can start it again.
    const resume = await fetch(`${server.url}/api/paper_trading/sessions/${id}/resume`, {
      method: "POST",
    });
    assert.equal(resume.status, 200, await resume.clone().text());
    assert.notEqual((await resume.json()).status, "failed");
    await eventually(() => server.service.supervisor.get(id)!.status === "running" || undefined, {
      what: "the resumed session running",
    });
    const stop = await fetch(`${server.url}/api/paper_trading/sessions/${id}`, {
      method: "DELETE",
    });
    assert.equal(stop.status, 200);
    assert.equal((await stop.json()).status, "stopped");
  } finally {
    await server.stop();
  }
});

Deno.test("a busy worker that makes progress is not taken for a hung one", async () => {
  const server = await startTestServer({ timings: FAST });
  try {
    const id = await createSession(server.url);
    await eventually(() => server.service.supervisor.get(id)?.status === "running" || undefined, {
      what: "the session running",
    });
    // Like a long backlog: the worker answers no ping for 5 hang periods, but works all along.
    server.service.supervisor.inject(id, { busyMs: FAST.hangMs * 5 });
    await new Promise((resolve) => setTimeout(resolve, FAST.hangMs * 7));
    const live = server.service.supervisor.get(id)!;
    assert.equal(live.restarts, 0, `restarted: ${live.restartReason}`);
    assert.equal(live.status, "running");
  } finally {
    await server.stop();
  }
});

Deno.test("a stalled main thread does not get healthy workers restarted", async () => {
  const server = await startTestServer({ timings: FAST });
  try {
    const ids = [await createSession(server.url), await createSession(server.url)];
    await eventually(
      () => ids.every((id) => server.service.supervisor.get(id)?.status === "running") || undefined,
      { what: "both sessions running" },
    );
    // The main thread blocks for 5 hang periods (as a heavy request would make it).
    const end = performance.now() + FAST.hangMs * 5;
    while (performance.now() < end) { /* stall */ }
    await new Promise((resolve) => setTimeout(resolve, FAST.hangMs * 3));
    for (const id of ids) {
      const live = server.service.supervisor.get(id)!;
      assert.equal(live.restarts, 0, `${id} restarted: ${live.restartReason}`);
    }
    assert.ok(server.service.supervisor.loopLag() >= 0);
  } finally {
    await server.stop();
  }
});

Deno.test("a worker starved of CPU by other work is given time in proportion before it counts as hung", async () => {
  // Oversubscribed cores: each thread gets a tenth of one, so quiet time counts a tenth.
  const server = await startTestServer({ timings: FAST, cpuShare: () => 0.1 });
  try {
    const id = await createSession(server.url);
    await eventually(() => server.service.supervisor.get(id)?.status === "running" || undefined, {
      what: "the session running",
    });
    server.service.supervisor.inject(id, "hang");
    await new Promise((resolve) => setTimeout(resolve, FAST.hangMs * 4));
    const live = server.service.supervisor.get(id)!;
    assert.equal(live.restarts, 0, `restarted within 4 hang periods: ${live.restartReason}`);
    // Past ten hang periods of wall time it is hung by its share as well.
    await eventually(() => server.service.supervisor.get(id)!.restarts >= 1 || undefined, {
      what: "a restart once the hang lasted its CPU share of the hang bound",
      timeoutMs: 60_000,
    });
    assert.match(server.service.supervisor.get(id)!.lastError ?? "", /hung.*share 0\.10/);
  } finally {
    await server.stop();
  }
});

Deno.test("a create that outlasts the start timeout answers 503 and the session keeps starting", async () => {
  const server = await startTestServer({ timings: { ...FAST, startTimeoutMs: 1 } });
  try {
    const response = await fetch(`${server.url}/api/paper_trading/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ strategy: "ema_cross_fast", symbol: "BTCUSDT" }),
      signal: AbortSignal.timeout(30_000),
    });
    assert.equal(response.status, 503);
    const { error } = await response.json();
    assert.match(error, /did not start within .* keeps starting/);
    const id = error.match(/session ([0-9a-f-]{36})/)?.[1];
    assert.ok(id, `the error names the session: ${error}`);
    await eventually(() => server.service.supervisor.get(id)?.status === "running" || undefined, {
      what: "the session running after the timeout",
    });
  } finally {
    await server.stop();
  }
});
