import assert from "node:assert/strict";
import { coreTime, loadShare, STARVED_LAG_MS } from "../engine/runtime/cpu_share.ts";

Deno.test("core time: a timer's elapsed time counts at the thread's share of a core", () => {
  assert.equal(coreTime(250, 250, 1), 250);
  assert.equal(coreTime(300, 250, 0.5), 150, "a little late still counts, at the share");
});

Deno.test("core time: a timer over the starved lag late counts nothing (the counting thread was starved)", () => {
  assert.equal(
    coreTime(250 + STARVED_LAG_MS, 250, 1),
    250 + STARVED_LAG_MS,
    "at the limit it counts",
  );
  assert.equal(coreTime(251 + STARVED_LAG_MS, 250, 1), 0);
  assert.equal(coreTime(900, 250, 1, 1_000), 900, "a limit of the caller's own");
});

Deno.test("load share: a share of a core in (0, 1]", () => {
  const share = loadShare();
  assert.ok(share > 0 && share <= 1, String(share));
});
