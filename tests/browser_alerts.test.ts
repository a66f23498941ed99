/**
 * The dashboard's alert list in a real browser: every alert with its kind,
 * session, status, attempts and last error, filtered by status and session,
 * and never a target's URL.
 */
import assert from "node:assert/strict";
import { startAlertOutcomes, TARGET_SECRET } from "./support/alert_outcomes.ts";
import {
  assertNoProblems,
  LAPTOP,
  openPage,
  PHONE,
  screenshot,
  waitFitsWidth,
  withBrowser,
} from "./support/browser.ts";

Deno.test({
  name: "dashboard: the alerts page lists alerts by status and session, never showing a target",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const outcomes = await startAlertOutcomes();
    const { server, sessions } = outcomes;
    try {
      await withBrowser(async (browser) => {
        const { page, problems } = await openPage(browser, LAPTOP);
        await page.goto(server.url + "/");
        await page.getByRole("navigation").getByRole("link", { name: "Alerts" }).click();
        await page.waitForURL("**/alerts");
        const rows = page.locator('[data-testid="alert-row"]');
        await rows.first().waitFor();
        assert.equal(await rows.count(), 9);
        assert.deepEqual(
          await page.locator('[data-testid="alert-table"] th').allTextContents(),
          ["time", "kind", "session", "status", "attempts", "last error"],
        );
        const html = await page.content();
        for (const leak of [TARGET_SECRET, new URL(outcomes.receiver.url).host, "sendMessage"]) {
          assert.ok(!html.includes(leak), `'${leak}' is in the page`);
        }
        await screenshot(page, "alerts-laptop");

        await page.locator('[data-testid="alert-filters"]').getByRole("link", { name: "failed" })
          .click();
        await page.waitForURL("**/alerts?status=failed");
        assert.equal(await rows.count(), 3);
        for (
          const cells of await rows.evaluateAll((trs) =>
            trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent))
          )
        ) {
          assert.deepEqual(cells.slice(2), [
            sessions.failed.slice(0, 8),
            "failed",
            "1",
            "HTTP 404",
          ]);
          assert.match(cells[1]!, /^(fill|round_trip)$/);
          assert.match(cells[0]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
        }

        await page.goto(`${server.url}/alerts?status=pending&session=${sessions.pending}`);
        assert.equal(await rows.count(), 3);
        for (const text of await rows.allTextContents()) assert.match(text, /pending\d+HTTP 500$/);
        // The session links to its page.
        await rows.first().getByRole("link", { name: sessions.pending.slice(0, 8) }).click();
        await page.waitForURL(`**/paper_trading/${sessions.pending}`);

        await page.goto(`${server.url}/alerts?session=${sessions.delivered}`);
        assert.deepEqual(
          (await rows.allTextContents()).map((text) => /delivered1—$/.test(text)),
          [true, true, true],
        );
        await page.goto(`${server.url}/alerts?session=${crypto.randomUUID()}`);
        await page.locator('[data-testid="no-alerts"]').waitFor();

        await page.setViewportSize(PHONE);
        await page.goto(server.url + "/alerts");
        await waitFitsWidth(page, "the alerts page");
        await screenshot(page, "alerts-phone");
        assertNoProblems(problems);
        await page.close();
      });
    } finally {
      await outcomes.close();
    }
  },
});
