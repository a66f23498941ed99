// Session leases and fencing on the real databases: a node that lost a
// session's lease can never write it again, and the node that took it over can.
import assert from "node:assert/strict";
import { LeaseTable } from "../db/stores/mod.ts";
import { LeaseLostError, Persister } from "../engine/runtime/persister.ts";
import { DATABASES } from "./support/databases.ts";
import { insertSessionRow, sessionWrites, storedLog } from "./support/session_writes.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const kind of DATABASES) {
  Deno.test(`${kind.name}: a lease taken over refuses the old owner's writes and takes the new owner's`, async () => {
    const { db, dispose } = await kind.open();
    const a = new Persister(db, { fencing: fencing(() => tokenA) });
    const b = new Persister(db, { fencing: fencing(() => tokenB) });
    let tokenA = -1;
    let tokenB = -1;
    const lost: string[] = [];
    function fencing(token: () => number) {
      return { token, lost: (id: string) => lost.push(id) };
    }
    try {
      const id = crypto.randomUUID();
      await insertSessionRow(db, id);
      const leases = new LeaseTable(db);
      const writes = sessionWrites(id, { trades: 4_000 });
      assert.ok(writes.length >= 3, "enough writes for the test");

      tokenA = (await leases.claim(id, "a", 60_000))!;
      assert.equal(await leases.claim(id, "b", 60_000), undefined, "a live lease is not taken");
      await a.write(writes[0]);
      assert.equal((await storedLog(db, id)).seqs.length, writes[0].effects.length);

      // Node a pauses past its lease; node b takes the session over with a larger token.
      assert.deepEqual([...await leases.renew("a", [{ sessionId: id, token: tokenA }], 1)], [id]);
      await sleep(20);
      tokenB = (await leases.claim(id, "b", 60_000))!;
      assert.ok(tokenB > tokenA, `token grows (${tokenA} → ${tokenB})`);
      assert.equal(await leases.owner(id), "b");

      await assert.rejects(a.write(writes[1]), LeaseLostError);
      assert.deepEqual(lost, [id], "the old owner hears it lost the session");
      await assert.rejects(a.write(writes[2]), LeaseLostError, "and stays refused");
      const renewed = await leases.renew("a", [{ sessionId: id, token: tokenA }], 60_000);
      assert.equal(renewed.size, 0, "the old owner cannot renew the lease");
      assert.equal(
        (await storedLog(db, id)).seqs.length,
        writes[0].effects.length,
        "nothing of the refused writes is stored",
      );

      await b.write(writes[1]);
      await b.write(writes[2]);
      const stored = await storedLog(db, id);
      const expected = writes.slice(0, 3).reduce((n, w) => n + w.effects.length, 0);
      assert.equal(stored.seqs.length, expected, "the new owner's writes are stored");
      assert.equal(stored.snapshotSeq, expected);
    } finally {
      await a.close(1_000);
      await b.close(1_000);
      await dispose();
    }
  });
}
