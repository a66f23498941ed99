/**
 * A commit passes its documents joined in one text and its ids and tags as
 * text arrays: characters that need quoting or escaping there (quotes,
 * backslashes, braces, control characters including the separator, text
 * outside the BMP) come back exactly as they went in.
 */
import assert from "node:assert/strict";
import { sql } from "../db/mod.ts";
import { SessionLog, SessionRecordTable } from "../db/stores/mod.ts";
import type { SessionEffect } from "../engine/core/session/mod.ts";
import { DATABASES } from "./support/databases.ts";
import { insertSessionRow, sessionWrites } from "./support/session_writes.ts";

const ODD = 'a"b\\c,{d} é ☃ 𝄞 \x1e\x1f\n NULL null';

/** `effect` with {@link ODD} in a fill's tag and a signal's note. */
function oddly(effect: SessionEffect): SessionEffect {
  if (effect.type === "fill") return { ...effect, fill: { ...effect.fill, tag: ODD } };
  if (effect.type === "signal") return { ...effect, note: ODD };
  return effect;
}

for (const kind of DATABASES) {
  Deno.test(`${kind.name}: odd characters in a commit come back as they went in`, async () => {
    const { db, dispose } = await kind.open();
    try {
      const write = sessionWrites("s1").find((w) =>
        w.effects.some((e) => e.type === "fill") && w.effects.some((e) => e.type === "signal")
      );
      assert.ok(write, "a write with a fill and a signal");
      const odd = { ...write, effects: write.effects.map(oddly) };
      await insertSessionRow(db, "s1");
      const log = new SessionLog(db);
      await log.commit([odd]);
      await log.commit([odd]);

      const records = new SessionRecordTable(db);
      const fills = odd.effects.flatMap((e) => e.type === "fill" ? [e.fill] : []);
      const stored = await records.fills("s1", { limit: 1000, offset: 0 });
      assert.deepEqual(stored.items, fills);
      const signals = odd.effects.filter((e) => e.type === "signal").reverse();
      assert.deepEqual(await records.signals("s1", 1000), signals);
      const events = await db.query<{ n: number }>(
        sql`select count(*)::int as n from session_events where session_id = 's1'`,
      );
      assert.equal(events[0].n, odd.effects.length, "each event stored once");
    } finally {
      await dispose();
    }
  });
}
