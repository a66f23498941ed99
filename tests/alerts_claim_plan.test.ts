// The dispatcher's claim on a large outbox (100,000 pending rows over 20
// targets, beside 100,000 delivered ones) reads it through the claim index:
// the planner's own plan for the very statement the outbox runs.
import assert from "node:assert/strict";
import { type Db, type Queryable, sql, type Statement } from "../db/mod.ts";
import { AlertOutbox } from "../db/stores/mod.ts";
import { DATABASES } from "./support/databases.ts";

/** A database that plans each statement (`explain`) instead of running it, keeping the plans. */
function planning(db: Db, plans: unknown[]): Db {
  const explain = (q: Queryable): Queryable => ({
    async query<T>(statement: Statement): Promise<T[]> {
      const rows = await q.query<{ "QUERY PLAN": unknown }>({
        text: `explain (format json) ${statement.text}`,
        params: statement.params,
      });
      plans.push(rows[0]["QUERY PLAN"]);
      return [];
    },
    exec: (script) => q.exec(script),
  });
  return {
    ...explain(db),
    kind: db.kind,
    transaction: (fn) => db.transaction((tx) => fn(explain(tx))),
    close: () => db.close(),
  };
}

/** Every index a plan reads, and whether it scans a table whole. */
function scans(plan: unknown): { indexes: Set<string>; seq: boolean } {
  const text = JSON.stringify(plan);
  const indexes = new Set([...text.matchAll(/"Index Name":"([^"]+)"/g)].map((m) => m[1]));
  return { indexes, seq: /"Node Type":"Seq Scan"/.test(text) };
}

for (const kind of DATABASES) {
  Deno.test(`${kind.name}: claiming from a large outbox reads it through the claim index`, async () => {
    const { db, dispose } = await kind.open();
    try {
      await db.query(
        sql`insert into alert_outbox (key, target, kind, session_id, time, data, status, next_attempt_at)
        select 'k' || i, 'https://t' || (i % 20) || '.example.com/hook', 'fill', null, i, '{}'::jsonb,
          case when i % 2 = 0 then 'pending' else 'delivered' end,
          now() - make_interval(secs => i)
        from generate_series(1, 200000) i`,
      );
      await db.exec("analyze alert_outbox");
      const plans: unknown[] = [];
      await new AlertOutbox(planning(db, plans)).claim(4, 60_000, { perTarget: 1 });
      const claim = plans.find((p) => JSON.stringify(p).includes('"Operation":"Update"'));
      assert.ok(claim, "the claim's update was planned");
      const { indexes, seq } = scans(claim);
      assert.ok(indexes.has("alert_outbox_claim"), `indexes read: ${[...indexes]}`);
      assert.equal(seq, false, "no table scanned whole");
      // Still a working claim: one row of each of 4 targets, the oldest due first.
      const rows = await new AlertOutbox(db).claim(4, 60_000, { perTarget: 1 });
      assert.equal(new Set(rows.map((r) => r.target)).size, 4);
    } finally {
      await dispose();
    }
  });
}
