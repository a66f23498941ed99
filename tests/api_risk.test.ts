/**
 * Risk through the API on a running service: the kill switch across 10
 * sessions (halting, flattening, refusing orders, lifting), account-wide
 * limits from PUT /api/risk, a session's own limits, the audit logs, and a
 * halted session staying halted after the service restarts.
 */
import assert from "node:assert/strict";
import { RISK_TOPIC, type RiskMessage } from "../contract/mod.ts";
import { loadConfig } from "../engine/runtime/config.ts";
import { startService } from "../engine/runtime/service.ts";
import { inProcessClient, QUIET_STRATEGY } from "./support/api.ts";
import { DATABASES } from "./support/databases.ts";
import { eventually } from "./support/wait.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const config = () => loadConfig({ FEED: "sim", DEMO_SESSION: "false" });
const SESSIONS = "/api/paper_trading/sessions";

Deno.test("kill switch over 10 sessions, account limits, session limits and restart", async (t) => {
  const { db, dispose } = await DATABASES[0].open();
  let service = await startService(config(), { db });
  let call = inProcessClient(service);
  try {
    const ids: string[] = [];
    await t.step("10 sessions start active", async () => {
      for (let i = 0; i < 10; i++) {
        const r = await call("POST", SESSIONS, {
          strategy: QUIET_STRATEGY,
          symbol: i % 2 ? "ETHUSDT" : "BTCUSDT",
          ...(i === 0 ? { risk: { max_orders_per_minute: 50 } } : {}),
        });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        assert.equal(r.body.risk.state, "active");
        ids.push(r.body.id);
      }
    });

    const order = (id: string) =>
      call("POST", `${SESSIONS}/${id}/orders`, { side: "buy", type: "market", quantity: 0.001 });

    await t.step("a session holds a position", async () => {
      await eventually(async () => (await order(ids[0])).status === 201 || undefined, {
        what: "a manual buy filling once the session has a price",
      });
      await eventually(
        async () =>
          (await call("GET", `${SESSIONS}/${ids[0]}`)).body.position.quantity > 0 ||
          undefined,
        { what: "the position of session 0" },
      );
    });

    await t.step("the kill switch halts and flattens every session, audited", async () => {
      const heard: RiskMessage[] = [];
      const unsubscribe = service.live.subscribe(
        RISK_TOPIC,
        (message) => void heard.push(message as RiskMessage),
      );
      const r = await call("POST", "/api/risk/halt", { flatten: true });
      unsubscribe();
      assert.equal(heard[0].type, "account", "the account event first, once stored");
      const halts = heard.filter((m) =>
        m.type === "session" && m.event.kind === "state" && m.event.rule === "kill_switch"
      );
      assert.deepEqual(
        halts.map((m) => m.type === "session" && m.session_id).sort(),
        [...ids].sort(),
        "every session's halt on the risk topic",
      );
      assert.equal(r.status, 200);
      assert.equal(r.body.halted, true);
      assert.equal(r.body.audit[0].kind, "halt");
      assert.equal(r.body.audit[0].flatten, true);
      assert.equal(r.body.audit[0].sessions, 10);
      for (const id of ids) {
        const s = (await call("GET", `${SESSIONS}/${id}`)).body;
        assert.equal(s.risk.state, "halted", `session ${id}`);
        assert.equal(s.risk.reason.rule, "kill_switch");
        const audit = (await call("GET", `${SESSIONS}/${id}/risk`)).body;
        assert.equal(audit.events[0].kind, "state");
        assert.equal(audit.events[0].state, "halted");
        assert.equal(audit.events[0].rule, "kill_switch");
      }
      await eventually(
        async () =>
          (await call("GET", `${SESSIONS}/${ids[0]}`)).body.position.quantity === 0 ||
          undefined,
        { what: "session 0 flattened by the kill switch" },
      );
      const refused = await order(ids[3]);
      assert.equal(refused.status, 422);
      assert.match(refused.body.details[0].message, /halted.*kill_switch/);
      const audit = (await call("GET", `${SESSIONS}/${ids[3]}/risk`)).body;
      assert.equal(audit.events[0].kind, "refused");
      assert.equal(audit.events[0].order.side, "buy");
    });

    await t.step("a session started while the kill switch is on starts halted", async () => {
      const r = await call("POST", SESSIONS, { strategy: QUIET_STRATEGY, symbol: "BTCUSDT" });
      assert.equal(r.status, 201);
      assert.equal(r.body.risk.state, "halted");
      ids.push(r.body.id);
    });

    await t.step("resume lifts the kill switch; an operator's halt stays", async () => {
      const manual = await call("POST", `${SESSIONS}/${ids[1]}/risk`, { state: "halted" });
      assert.equal(manual.status, 200);
      assert.equal(manual.body.risk.reason.rule, "manual");
      const r = await call("POST", "/api/risk/resume");
      assert.equal(r.status, 200);
      assert.equal(r.body.halted, false);
      assert.equal(r.body.audit[0].kind, "resume");
      for (const id of ids) {
        const s = (await call("GET", `${SESSIONS}/${id}`)).body;
        assert.equal(s.risk.state, id === ids[1] ? "halted" : "active", `session ${id}`);
      }
      assert.equal((await order(ids[2])).status, 201, "orders are accepted again");
    });

    await t.step("account limits cap every session at once; bad limits are a 400", async () => {
      const bad = await call("PUT", "/api/risk", { max_drawdown_percent: -1 });
      assert.equal(bad.status, 400);
      assert.ok(bad.body.details.length > 0);
      const r = await call("PUT", "/api/risk", { max_position_notional: 1 });
      assert.equal(r.status, 200);
      assert.equal(r.body.source, "api");
      assert.deepEqual(r.body.limits, { max_position_notional: 1 });
      const refused = await order(ids[4]);
      assert.equal(refused.status, 422);
      assert.match(refused.body.details[0].message, /max_position_notional/);
      const risk = (await call("GET", `${SESSIONS}/${ids[0]}/risk`)).body;
      assert.deepEqual(risk.limits, { max_orders_per_minute: 50, max_position_notional: 1 });
      assert.equal((await call("GET", "/api/risk")).body.audit[0].kind, "limits");
    });

    await t.step("a halted session is halted again after a restart", async () => {
      await service.close();
      service = await startService(config(), { db });
      call = inProcessClient(service);
      const restored = await service.restore();
      assert.equal(restored.failed, 0);
      const s = (await call("GET", `${SESSIONS}/${ids[1]}`)).body;
      assert.equal(s.status === "running" || s.status === "warming_up", true, s.status);
      assert.equal(s.risk.state, "halted");
      assert.equal(s.risk.reason.rule, "manual");
      assert.equal((await order(ids[1])).status, 422);
      const account = (await call("GET", "/api/risk")).body;
      assert.deepEqual(account.limits, { max_position_notional: 1 }, "API limits survive");
      assert.deepEqual(account.audit.map((e: Json) => e.kind), ["limits", "resume", "halt"]);
    });
  } finally {
    await service.close();
    await dispose();
  }
});
