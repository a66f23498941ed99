// The alert outbox on the real databases: alerts are stored in the commit of
// the events they describe, and only when those events are.
import assert from "node:assert/strict";
import { AlertOutbox, LeaseTable, SessionLog } from "../db/stores/mod.ts";
import { ALERT_KINDS } from "../engine/runtime/alerts/mod.ts";
import { SessionAlertSource } from "../engine/runtime/alerts/source.ts";
import { DATABASES } from "./support/databases.ts";
import { insertSessionRow, sessionWrites, storedLog } from "./support/session_writes.ts";

for (const kind of DATABASES) {
  Deno.test(`${kind.name}: a commit stores its alerts with its events, none for a refused session, once per key`, async () => {
    const { db, dispose } = await kind.open();
    try {
      let committed = 0;
      const source = new SessionAlertSource(
        { global: ["https://example.com/a", "slack:https://example.com/b"], perSession: false },
        { kinds: ALERT_KINDS, committed: () => committed++ },
      );
      const log = new SessionLog(db, { alerts: source });
      const outbox = new AlertOutbox(db);
      const id = crypto.randomUUID();
      await insertSessionRow(db, id);
      const writes = sessionWrites(id, { trades: 4_000 });
      const expected = source.of(writes);
      assert.ok(expected.length >= 3, `the writes hold fills and round trips (${expected.length})`);

      // A commit fenced with a token the lease no longer has stores neither events nor alerts.
      const token = (await new LeaseTable(db).claim(id, "node", 60_000))!;
      const refused = await log.commit(writes, new Map([[id, token + 1]]));
      assert.deepEqual(refused, [id]);
      assert.equal((await storedLog(db, id)).seqs.length, 0);
      assert.equal((await outbox.list({ limit: 500, offset: 0 })).length, 0, "no alert");

      await log.commit(writes, new Map([[id, token]]));
      await log.commit(writes, new Map([[id, token]])); // a retried commit
      const rows = await outbox.list({ limit: 500, offset: 0 });
      assert.equal(rows.length, expected.length * 2, "one row per alert and target");
      assert.deepEqual(
        new Set(rows.map((r) => r.key)),
        new Set(expected.map((a) => a.key)),
      );
      assert.ok(rows.every((r) => r.status === "pending" && r.attempts === 0));
      assert.ok(committed >= 2, "the dispatcher is woken after each commit");

      // Claims hold rows: a second claim gets none of those the first holds.
      const first = await outbox.claim(3, 60_000);
      const second = await outbox.claim(500, 60_000);
      assert.equal(first.length, 3);
      assert.equal(second.length, rows.length - 3);
      const both = new Set([...first, ...second].map((r) => `${r.key} ${r.target}`));
      assert.equal(both.size, rows.length, "no row claimed twice");
      await outbox.delivered(first[0].key, first[0].target);
      await outbox.attemptFailed(first[1].key, first[1].target, { error: "HTTP 500", retryMs: 0 });
      await outbox.attemptFailed(first[2].key, first[2].target, { error: "gone", retryMs: null });
      const stats = await outbox.stats();
      assert.equal(stats.delivered, 1);
      assert.equal(stats.failing, 1);
      assert.equal(stats.failed, 1);
      assert.equal(stats.pending, rows.length - 2);
      assert.ok(stats.last_error && ["HTTP 500", "gone"].includes(stats.last_error.error));
      const again = await outbox.claim(500, 60_000);
      assert.deepEqual(
        again.map((r) => [r.key, r.target, r.attempts]),
        [[first[1].key, first[1].target, 1]],
        "only the failed attempt is due again (retry 0 ms), with its attempt count",
      );
    } finally {
      await dispose();
    }
  });
}
