/**
 * A session that could not take an account-wide change (its worker hung and
 * was replaced while the kill switch was pulled) is named in the answer, and
 * the node's next periodic refresh brings it to the settings in force: the flatten it missed
 * closes its position then (a restarted worker starts halted, not flat).
 */
import assert from "node:assert/strict";
import { loadConfig } from "../engine/runtime/config.ts";
import { startService } from "../engine/runtime/service.ts";
import { inProcessClient, QUIET_STRATEGY } from "./support/api.ts";
import { DATABASES } from "./support/databases.ts";
import { eventually } from "./support/wait.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const SESSIONS = "/api/paper_trading/sessions";
/** A hung worker is replaced within seconds (the whole of a core: not stretched by load). */
const FAST = { heartbeatMs: 200, hangMs: 2_000 };

for (const kind of DATABASES) {
  Deno.test(`${kind.name}: a session that missed the kill switch is flattened at the next refresh`, async () => {
    const { db, dispose } = await kind.open();
    const config = loadConfig({ FEED: "sim", DEMO_SESSION: "false", NODE_ID: "solo" });
    // A worker each: the hang stops one session, not its worker-mate.
    const service = await startService(config, {
      db,
      timings: FAST,
      cpuShare: () => 1,
      spreadWorkers: 2,
    });
    const call = inProcessClient(service);
    try {
      const ids: string[] = [];
      for (let i = 0; i < 2; i++) {
        const r = await call("POST", SESSIONS, { strategy: QUIET_STRATEGY, symbol: "BTCUSDT" });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        ids.push(r.body.id);
      }
      const [hung, fine] = ids;
      const quantity = async (id: string) =>
        (await call("GET", `${SESSIONS}/${id}`)).body.position.quantity as number;
      for (const id of ids) {
        await eventually(
          async () =>
            (await call("POST", `${SESSIONS}/${id}/orders`, {
                side: "buy",
                type: "market",
                quantity: 0.001,
              })).status === 201 || undefined,
          { what: `a manual buy of session ${id} filling`, timeoutMs: 120_000 },
        );
        await eventually(async () => (await quantity(id)) > 0 || undefined, {
          what: `the position of session ${id}`,
          timeoutMs: 120_000,
        });
      }

      // The worker of one session hangs: the halt waits for it until it is replaced, then fails there.
      service.supervisor.inject(hung, "hang");
      const r = await call("POST", "/api/risk/halt", { flatten: true });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.halted, true);
      assert.deepEqual(
        r.body.reached.failed.map((f: Json) => [f.node, f.session]),
        [["solo", hung]],
        "the session that did not take the halt, named with its node",
      );
      assert.match(r.body.reached.failed[0].error, /restarted/);
      await eventually(async () => (await quantity(fine)) === 0 || undefined, {
        what: "the other session flattened by the kill switch",
      });

      // Its new worker starts halted (the settings in force) but still holds the position.
      await eventually(
        async () => {
          const s = (await call("GET", `${SESSIONS}/${hung}`)).body;
          return s.status === "running" && s.risk.state === "halted" || undefined;
        },
        { what: "the hung session running again, halted", timeoutMs: 120_000 },
      );
      assert.ok((await quantity(hung)) > 0, "not flattened by its restart");

      // The next refresh (every few seconds on a node alone, a lease tick in a cluster) gives it
      // the halt with its flatten.
      await eventually(async () => (await quantity(hung)) === 0 || undefined, {
        what: "the session that missed the kill switch flattened by a periodic refresh",
        timeoutMs: 120_000,
      });
      const audit = (await call("GET", `${SESSIONS}/${hung}/risk`)).body;
      assert.equal(audit.events[0].rule, "kill_switch");
      assert.equal(audit.events[0].flatten, true);
    } finally {
      await service.close();
      await dispose();
    }
  });
}
