// Several processes share one outbox (the nodes of a cluster): a target gets
// at most its per-target limit of deliveries at once over all of them; a row
// is free again once its outcome is recorded or its lease has run out.
import assert from "node:assert/strict";
import { AlertOutbox } from "../db/stores/mod.ts";
import { DATABASES } from "./support/databases.ts";

const T = "https://t.example.com/hook";
const U = "https://u.example.com/hook";

for (const kind of DATABASES) {
  Deno.test(`${kind.name}: one delivery at a time per target across processes sharing the outbox`, async () => {
    const { db, dispose } = await kind.open();
    try {
      const targets = { global: [T, U], perSession: false };
      const alert = (n: number) => ({
        key: `a${n}`,
        kind: "fill",
        sessionId: null,
        time: n,
        data: {},
      });
      const first = new AlertOutbox(db);
      const second = new AlertOutbox(db);
      await first.add([alert(1)], targets);
      await first.add([alert(2)], targets);
      const claim = (outbox: AlertOutbox, leaseMs = 60_000) =>
        outbox.claim(10, leaseMs, { perTarget: 1 });

      const held = await claim(first);
      assert.deepEqual(held.map((r) => [r.key, r.target]).sort(), [["a1", T], ["a1", U]]);
      assert.deepEqual(await claim(second), [], "both targets have a delivery in flight elsewhere");

      await first.delivered("a1", T);
      assert.deepEqual(
        (await claim(second)).map((r) => [r.key, r.target]),
        [["a2", T]],
        "T is free once its delivery is recorded; U is still held",
      );
      await first.attemptFailed("a1", U, { error: "HTTP 503", retryMs: 0 });
      assert.deepEqual(
        (await claim(second, 0)).map((r) => r.target),
        [U],
        "U is free once its failed attempt is recorded",
      );
      // That claim's lease (0 ms) ran out, as when its process died: U is free for another.
      assert.deepEqual((await claim(first)).map((r) => r.target), [U]);
      assert.deepEqual(await claim(second), [], "and held again");
    } finally {
      await dispose();
    }
  });
}
