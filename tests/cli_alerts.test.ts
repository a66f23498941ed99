import assert from "node:assert/strict";
import { startAlertOutcomes, TARGET_SECRET } from "./support/alert_outcomes.ts";
import { expectExit, runCli } from "./support/cli.ts";

/** The data rows of a table (below its header and rule). */
function rows(table: string): string[] {
  return table.trimEnd().split("\n").slice(2);
}

Deno.test("paper alerts lists the outbox by status and session, never showing a target", async () => {
  const outcomes = await startAlertOutcomes();
  const paper = (...args: string[]) => runCli("paper", args, { url: outcomes.server.url });
  const { sessions } = outcomes;
  try {
    const all = expectExit(await paper("alerts"), 0).stdout;
    assert.match(all.split("\n")[0], /^TIME\s+KIND\s+SESSION\s+STATUS\s+ATTEMPTS\s+LAST ERROR$/);
    assert.equal(rows(all).length, 9, all);
    for (const leak of [TARGET_SECRET, "127.0.0.1", "http", "sendMessage"]) {
      assert.ok(!all.includes(leak), `'${leak}' shown in:\n${all}`);
    }

    const failed = rows(expectExit(await paper("alerts", "--status", "failed"), 0).stdout);
    assert.equal(failed.length, 3);
    for (const row of failed) {
      assert.match(
        row,
        new RegExp(`(fill|round_trip)\\s+${sessions.failed}\\s+failed\\s+1\\s+HTTP 404$`),
      );
    }

    const pending = rows(
      expectExit(await paper("alerts", "--status", "pending", "--session", sessions.pending), 0)
        .stdout,
    );
    assert.equal(pending.length, 3);
    for (const row of pending) {
      assert.match(row, new RegExp(`${sessions.pending}\\s+pending\\s+\\d+\\s+HTTP 500$`));
    }

    // The session named by the start of its id, as the other commands take it.
    const delivered = rows(
      expectExit(await paper("alerts", "--session", sessions.delivered.slice(0, 8)), 0).stdout,
    );
    assert.deepEqual(
      delivered.map((row) => row.split(/\s+/).slice(1, 5)).sort(),
      [
        ["fill", sessions.delivered, "delivered", "1"],
        ["fill", sessions.delivered, "delivered", "1"],
        ["round_trip", sessions.delivered, "delivered", "1"],
      ],
    );
    assert.match(delivered[0], /\s—$/, "no error");

    const page = JSON.parse(
      expectExit(await paper("alerts", "--status", "failed", "--limit", "2", "--json"), 0).stdout,
    );
    assert.equal(page.limit, 2);
    assert.equal(page.items.length, 2);
    assert.ok(page.items.every((a: { status: string }) => a.status === "failed"));

    assert.equal(
      expectExit(await paper("alerts", "--session", crypto.randomUUID()), 0).stdout.trim(),
      "no alerts",
    );
    const misused = expectExit(await paper("alerts", "--status", "sent"), 2);
    assert.match(misused.stderr, /--status must be pending, failed, delivered; got 'sent'/);
  } finally {
    await outcomes.close();
  }
});
