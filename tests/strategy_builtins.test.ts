/**
 * The built-in strategies are read from `strategies/` once; a read that failed
 * (here: refused by a test without read permission) is not kept, the next call
 * reads again.
 */
import assert from "node:assert/strict";
import { StrategyStore } from "../engine/runtime/strategies.ts";
import { DATABASES } from "./support/databases.ts";

const { db, dispose } = await DATABASES[0].open();
const store = new StrategyStore(db);

Deno.test({
  name: "built-in strategies: a refused read of the examples fails the call that made it",
  permissions: { read: false },
  async fn() {
    await assert.rejects(store.builtIns(), Deno.errors.NotCapable);
    await assert.rejects(store.seedExamples(), Deno.errors.NotCapable);
  },
});

Deno.test({
  name: "built-in strategies: after a failed read the next call reads the examples again",
  async fn() {
    try {
      const ids = await store.builtIns();
      assert.ok(ids.has("ema_cross"), `built-ins: ${[...ids].join(", ")}`);
      await store.seedExamples();
      assert.equal((await store.get("ema_cross")).id, "ema_cross");
      await assert.rejects(store.delete("ema_cross"), /'ema_cross' is a built-in strategy/);
    } finally {
      await dispose();
    }
  },
});
