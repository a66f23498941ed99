/**
 * The browser tests' record of a page's problems: a request the page itself
 * cancels counts, one cancelled because the page was left does not.
 */
import assert from "node:assert/strict";
import { LAPTOP, openPage, withBrowser } from "./support/browser.ts";

/** How long `/slow` keeps its answer (unless the server closes): far longer than any step here. */
const SLOW_MS = 30_000;

/** Pages whose scripts request `/slow`: left at once (`/leave`) or cancelled by themselves (`/cancel`). */
function pages(): { url: string; close: () => Promise<void> } {
  const controller = new AbortController();
  /** Ends the slow answers still waiting as the server closes (it waits for them). */
  let answerAll = () => {};
  const closing = new Promise<void>((resolve) => answerAll = resolve);
  const page = (script: string) =>
    new Response(`<!doctype html><title>t</title><script>${script}</script>`, {
      headers: { "content-type": "text/html" },
    });
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", signal: controller.signal, onListen: () => {} },
    async (request) => {
      const path = new URL(request.url).pathname;
      if (path === "/slow") {
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          new Promise((resolve) => timer = setTimeout(resolve, SLOW_MS)),
          closing,
        ]);
        clearTimeout(timer);
        return new Response("late");
      }
      if (path === "/leave") return page(`fetch("/slow"); document.title = "asked";`);
      if (path === "/cancel") {
        return page(
          `const c = new AbortController(); fetch("/slow", { signal: c.signal }).catch(() => {});
           setTimeout(() => { c.abort(); document.title = "cancelled"; }, 100);`,
        );
      }
      return page("");
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    close: async () => {
      answerAll();
      controller.abort();
      await server.finished;
    },
  };
}

Deno.test({
  name:
    "browser problems: leaving a page excuses its requests in flight, a page's own cancel counts",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const site = pages();
    try {
      await withBrowser(async (browser) => {
        const left = await openPage(browser, LAPTOP);
        await left.page.goto(`${site.url}/leave`);
        await left.page.waitForFunction(() => document.title === "asked");
        await left.page.goto(`${site.url}/next`);
        assert.deepEqual(left.problems.failed, [], "a request of a page left behind");
        await left.page.close();

        const cancelled = await openPage(browser, LAPTOP);
        await cancelled.page.goto(`${site.url}/cancel`);
        await cancelled.page.waitForFunction(() => document.title === "cancelled");
        const deadline = Date.now() + 10_000;
        while (cancelled.problems.failed.length === 0 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        assert.deepEqual(cancelled.problems.failed, [`GET ${site.url}/slow: net::ERR_ABORTED`]);
        await cancelled.page.close();
      });
    } finally {
      await site.close();
    }
  },
});
