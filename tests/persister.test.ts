import assert from "node:assert/strict";
import postgres from "postgres";
import { Persister, type SessionWrite } from "../engine/runtime/persister.ts";
import { settledWithin } from "../engine/runtime/deadline.ts";
import { DATABASES } from "./support/databases.ts";
import { insertSessionRow, sessionWrites, storedLog } from "./support/session_writes.ts";

/** `write` with its first fill's price made NaN: stored as null, refused by the database. */
function poisoned(write: SessionWrite): SessionWrite {
  const i = write.effects.findIndex((e) => e.type === "fill");
  assert.ok(i >= 0, "the write has a fill to poison");
  const effects = write.effects.map((e, j) =>
    j === i && e.type === "fill" ? { ...e, fill: { ...e.fill, price: NaN } } : e
  );
  return { ...write, effects };
}

/** The first write with a fill after `from`. */
function withFill(writes: readonly SessionWrite[], from = 0): number {
  const i = writes.findIndex((w, j) => j >= from && w.effects.some((e) => e.type === "fill"));
  assert.ok(i >= 0, "a write with a fill");
  return i;
}

for (const kind of DATABASES) {
  Deno.test(`${kind.name}: persister`, async (t) => {
    const { db, dispose } = await kind.open();
    try {
      await t.step(
        "a refused write refuses the session's later writes until readmitted",
        async () => {
          await insertSessionRow(db, "a");
          const writes = sessionWrites("a");
          const bad = withFill(writes, 1);
          const persister = new Persister(db);
          for (const write of writes.slice(0, bad)) await persister.write(write);
          await assert.rejects(persister.write(poisoned(writes[bad])), /null/);
          // The worker goes on producing effects before it is restarted: none of them may land.
          await assert.rejects(persister.write(writes[bad + 1]), /null/);
          const stored = await storedLog(db, "a");
          const durable = writes[bad].firstSeq - 1;
          assert.deepEqual(stored.seqs, Array.from({ length: durable }, (_, i) => i + 1));
          assert.equal(stored.snapshotSeq, durable, "the snapshot is not ahead of the events");

          // Restarted from durable state, the session writes again.
          persister.readmit("a");
          await persister.write(writes[bad]);
          const after = await storedLog(db, "a");
          assert.equal(after.snapshotSeq, writes[bad].firstSeq + writes[bad].effects.length - 1);
        },
      );

      await t.step("one refused session in a batch does not hold back the others", async () => {
        await insertSessionRow(db, "b");
        await insertSessionRow(db, "c");
        const a = sessionWrites("b");
        const b = sessionWrites("c");
        const persister = new Persister(db);
        // Written in one turn: they go into the same commit.
        const results = await Promise.allSettled([
          persister.write(poisoned(a[withFill(a)])),
          ...b.map((write) => persister.write(write)),
        ]);
        assert.equal(results[0].status, "rejected");
        assert.ok(results.slice(1).every((r) => r.status === "fulfilled"), "b's writes committed");
        const stored = await storedLog(db, "c");
        const last = b.at(-1)!;
        assert.equal(stored.seqs.length, last.firstSeq + last.effects.length - 1);
        assert.equal(stored.snapshotSeq, stored.seqs.length);
        assert.deepEqual((await storedLog(db, "b")).seqs, []);
      });

      await t.step(
        "committing the same writes twice stores every event and fill once",
        async () => {
          await insertSessionRow(db, "d");
          const writes = sessionWrites("d");
          await Promise.all(writes.map((write) => new Persister(db).write(write)));
          const once = await storedLog(db, "d");
          // A retry after an unanswered commit sends the very same batch again.
          const again = new Persister(db);
          await Promise.all(writes.map((write) => again.write(write)));
          await again.write(writes[0]); // and an older one must not move the snapshot back
          assert.deepEqual(await storedLog(db, "d"), once);
          assert.ok(once.fills > 0, "the writes have fills");
        },
      );

      await t.step("once every write expected is queued, the commit starts at once", async () => {
        for (const id of ["e", "f", "g", "h"]) await insertSessionRow(db, id);
        // Writes of one turn go in one commit...
        const gathering = new Persister(db);
        await Promise.all(["e", "f"].map((id) => gathering.write(sessionWrites(id)[0])));
        assert.equal(gathering.stats().commits, 1, "one commit gathered both writes");
        // ...unless the commit was started when the first was queued.
        const started = new Persister(db);
        const g = started.write(sessionWrites("g")[0]);
        started.gathered();
        const h = started.write(sessionWrites("h")[0]);
        await Promise.all([g, h]);
        assert.equal(
          started.stats().commits,
          2,
          "the write after gathered() went in a second commit",
        );
        assert.ok((await storedLog(db, "h")).seqs.length > 0, "the later write is stored");
      });
    } finally {
      await dispose();
    }
  });
}

const server = DATABASES.find((kind) => kind.name === "postgres");

Deno.test({
  name: "postgres: a commit held up by a lock holds up its session's later writes only",
  ignore: server === undefined,
  async fn() {
    const { db, url, dispose } = await server!.open();
    const blocker = postgres(url!, { max: 1, onnotice: () => {} });
    let release = () => {};
    try {
      await insertSessionRow(db, "x");
      await insertSessionRow(db, "y");
      const xs = sessionWrites("x");
      const ys = sessionWrites("y");
      const persister = new Persister(db);
      await persister.write(xs[0]);
      // Another connection locks x's snapshot row: x's next commit waits for it.
      const locked = Promise.withResolvers<void>();
      const held = blocker.begin(async (tx) => {
        await tx`select 1 from session_snapshots where session_id = 'x' for update`;
        locked.resolve();
        await new Promise<void>((resolve) => release = resolve);
      });
      await locked.promise;
      const landed: string[] = [];
      const x1 = persister.write(xs[1]).then(() => landed.push("x1"));
      await new Promise((resolve) => setTimeout(resolve, 100)); // x1 is being committed now
      const x2 = persister.write(xs[2]).then(() => landed.push("x2"));
      const y = persister.write(ys[0]).then(() => landed.push("y"));
      assert.ok(
        await settledWithin(y, 20_000),
        "y's write committed within 20 s while x's commit waits on a lock",
      );
      await y;
      assert.deepEqual(landed, ["y"], "x's writes wait for the lock, in order");
      assert.deepEqual(
        (await storedLog(db, "x")).seqs,
        xs[0].effects.map((_, i) => i + 1),
        "nothing of x beyond its first write is stored while its commit waits",
      );
      release();
      await held;
      await Promise.all([x1, x2]);
      assert.deepEqual(landed, ["y", "x1", "x2"]);
      const last = xs[2].firstSeq + xs[2].effects.length - 1;
      const stored = await storedLog(db, "x");
      assert.deepEqual(stored.seqs, Array.from({ length: last }, (_, i) => i + 1));
      assert.equal(stored.snapshotSeq, last, "x's snapshot covers its last write");
    } finally {
      release();
      await blocker.end();
      await dispose();
    }
  },
});
