/**
 * The dashboard in a real browser (headless Chromium driven by playwright-core):
 * start a session through the form, see trades and charts live, pause and stop
 * it, and see validation errors inline. Screenshots (laptop and phone width)
 * go to tests/screenshots/.
 */
import assert from "node:assert/strict";
import { sessionInputSchema } from "../contract/schemas.ts";
import { LISTED } from "../islands/SessionList.tsx";
import { call, createSession, IDLE_STRATEGY } from "./support/api.ts";
import { simStream, writeStream } from "./support/backtest_stream.ts";
import {
  assertNoProblems,
  dashboardTest,
  LAPTOP,
  LIVE_TIMEOUT,
  openPage,
  PHONE,
  screenshot,
  waitChartDrawn,
  waitFitsWidth,
  waitHydrated,
  withDashboard,
} from "./support/browser.ts";
import { eventually } from "./support/server.ts";

const BROKEN_STRATEGY = `version: 1
name: broken
timeframe: 7x
indicators:
  fast: { type: NOPE, period: -3 }
entry:
  long: { crosses_above: [fast, missing] }
`;

dashboardTest(
  "dashboard: start a session from the form, live trades and charts, pause, stop",
  async ({ server, page, problems }) => {
    await page.goto(server.url + "/");
    await waitHydrated(page, "NewSessionForm");
    await waitHydrated(page, "SessionList");
    assert.match(await page.textContent('[data-testid="feed-banner"]') ?? "", /SIMULATED/);
    await page.evaluate(() => Object.assign(globalThis, { sameDocument: true }));

    const form = page.locator('[data-testid="new-session-form"]');
    await form.locator('select[name="strategy"]').selectOption("ema_cross_fast");
    await form.locator('select[name="symbol"]').selectOption("BTCUSDT");
    await form.locator('input[name="initial_capital"]').fill("10000");
    await form.getByRole("button", { name: "Start session" }).click();
    const link = page.locator('[data-testid="created"] a');
    await link.waitFor();
    const id = (await link.getAttribute("href"))!.split("/").pop()!;

    // The new session appears in the list without a reload, and trades live.
    const card = page.locator(`[data-testid="session-card"][data-session-id="${id}"]`);
    await card.waitFor();
    assert.match(await card.textContent() ?? "", /SIMULATED/);
    await card.locator('[data-testid="fill-row"]').first().waitFor({ timeout: LIVE_TIMEOUT });
    assert.equal(await page.evaluate(() => "sameDocument" in globalThis), true);
    await screenshot(page, "overview-laptop");

    // The session page: charts drawn, panels filled, controls work.
    await card.locator("a.title").click();
    await page.waitForURL(`**/paper_trading/${id}`);
    for (const island of ["SessionPanel", "PriceChart", "EquityChart", "FillsTable"]) {
      await waitHydrated(page, island);
    }
    await page.locator('[data-testid="simulated-label"]').waitFor();
    await waitChartDrawn(page, "price-chart", 2);
    await waitChartDrawn(page, "equity-chart", 2);
    await page.locator('[data-testid="fills-panel"] [data-testid="fill-row"]').first().waitFor();
    await page.locator('[data-testid="signal-row"]').first().waitFor();
    const panel = page.locator('[data-testid="session-panel"]');
    const status = panel.locator('[data-testid="session-status"]');
    await status.getByText("running").waitFor();
    // How far the running session is behind the market, as a duration (never "—" while it runs).
    const lag = await panel.locator('[data-testid="lag"]').textContent() ?? "";
    assert.match(lag, /^\d+(ms|s)$|^\d+[mhd]( \d+[hms])*$/, `market lag shown as '${lag}'`);
    await screenshot(page, "session-laptop");

    // A refusal (409) shows the API's message next to the buttons.
    const refusal = "cannot pause a session that is stopping (test)";
    await page.route(
      "**/pause",
      (route) => route.fulfill({ status: 409, json: { error: refusal } }),
      { times: 1 },
    );
    await panel.getByRole("button", { name: "Pause" }).click();
    await panel.locator(".inline-error").getByText(refusal).waitFor();
    await page.unroute("**/pause");

    await panel.getByRole("button", { name: "Pause" }).click();
    await status.getByText("paused").waitFor();
    assert.equal(await panel.locator(".inline-error").count(), 0);
    await panel.getByRole("button", { name: "Resume" }).waitFor();

    await page.setViewportSize(PHONE);
    await waitChartDrawn(page, "price-chart", 2);
    await waitFitsWidth(page, "the session page");
    await screenshot(page, "session-phone");

    // Once stopped, the panel reloads the final metrics: wait for it before leaving the page.
    const finalMetrics = page.waitForResponse((r) => r.url().endsWith(`/${id}/metrics`));
    await panel.getByRole("button", { name: "Stop" }).click();
    await status.getByText("stopped").waitFor();
    await finalMetrics;
    assert.equal((await server.service.sessions.get(id)).status, "stopped");

    await page.goto(server.url + "/");
    await waitHydrated(page, "SessionList");
    await waitFitsWidth(page, "the overview");
    await screenshot(page, "overview-phone");

    // Only the expected refusal: the pause answered 409 above.
    assertNoProblems(problems, { requests: new RegExp(`/${id}/pause: 409$`), statuses: [409] });
  },
);

dashboardTest(
  "dashboard: the overview keeps its newest sessions; a new one pushes the oldest card out and stops its topic",
  async ({ server, page, problems }) => {
    const ids: string[] = [];
    for (let i = 0; i < LISTED; i++) {
      const created = await server.service.sessions.create(sessionInputSchema.parse({
        strategy: IDLE_STRATEGY,
        symbol: "BTCUSDT",
      }));
      // Stopped at once: listed and subscribed the same, without LISTED sessions running.
      await server.service.sessions.command(created.id, "stop");
      ids.push(created.id);
    }
    const [oldest] = ids;
    const sent: string[] = [];
    const refused: string[] = [];
    page.on("websocket", (socket) => {
      socket.on("framesent", (frame) => sent.push(String(frame.payload)));
      socket.on("framereceived", (frame) => {
        if (String(frame.payload).includes('"type":"error"')) refused.push(String(frame.payload));
      });
    });
    await page.goto(server.url + "/");
    await waitHydrated(page, "SessionList");
    const cards = page.locator('[data-testid="session-card"]');
    assert.equal(await cards.count(), LISTED);
    assert.equal(await cards.last().getAttribute("data-session-id"), oldest);
    const topicSent = (op: string, id: string) =>
      sent.some((raw) => {
        const message = JSON.parse(raw);
        return message.op === op && message.topics?.includes(`trading:${id}`);
      });
    await eventually(() => topicSent("subscribe", oldest) || undefined, {
      what: "the page to subscribe the oldest card's topic",
      timeoutMs: LIVE_TIMEOUT,
    });

    const id = await createSession(server.url, { strategy: IDLE_STRATEGY, symbol: "BTCUSDT" });
    await eventually(
      async () => await cards.first().getAttribute("data-session-id") === id || undefined,
      { what: `the new session ${id}'s card on top`, timeoutMs: LIVE_TIMEOUT },
    );
    assert.equal(await cards.count(), LISTED);
    assert.equal(await page.locator(`[data-session-id="${oldest}"]`).count(), 0);
    assert.equal(await cards.last().getAttribute("data-session-id"), ids[1]);
    await eventually(() => topicSent("unsubscribe", oldest) || undefined, {
      what: `the page to unsubscribe the topic of the card pushed out (${oldest})`,
      timeoutMs: LIVE_TIMEOUT,
    });
    assert.deepEqual(refused, [], "error frames");
    assertNoProblems(problems);
  },
);

dashboardTest(
  "dashboard: a portfolio session's chart switches symbol, its order form picks one, positions list each symbol",
  async ({ server, page, problems }) => {
    const created = await server.service.sessions.create(sessionInputSchema.parse({
      strategy: IDLE_STRATEGY,
      symbols: ["BTCUSDT", "ETHUSDT"],
    }));
    await page.goto(`${server.url}/paper_trading/${created.id}`);
    await waitHydrated(page, "PriceChart");
    await waitHydrated(page, "SessionPanel");
    const chart = page.locator('[data-testid="price-chart"]');
    await chart.getByRole("heading", { name: "BTCUSDT price" }).waitFor();
    await chart.getByLabel("symbol charted").selectOption("ETHUSDT");
    await chart.getByRole("heading", { name: "ETHUSDT price" }).waitFor();

    const panel = page.locator('[data-testid="session-panel"]');
    await panel.getByText("BTCUSDT, ETHUSDT").first().waitFor();
    await panel.locator('[data-testid="session-status"]').getByText("running").waitFor();
    const form = panel.locator('[data-testid="order-form"]');
    await form.getByLabel("Symbol").selectOption("ETHUSDT");
    await form.getByLabel("Quantity").fill("0.1");
    await form.getByRole("button", { name: "Place order" }).click();
    await form.locator('[data-testid="order-placed"]').getByText("buy 0.1 market: filled")
      .waitFor();
    const row = panel.locator('[data-testid="position-row"]');
    await row.filter({ hasText: "ETHUSDT" }).waitFor();
    assert.equal(await row.count(), 1, "only ETHUSDT holds a position");
    await screenshot(page, "session-portfolio-laptop");
    assertNoProblems(problems);
  },
);

dashboardTest(
  "dashboard: a manual order fills, an open order is cancelled, close flattens, stop says what is left open",
  async ({ server, page, problems }) => {
    const created = await server.service.sessions.create(sessionInputSchema.parse({
      strategy: IDLE_STRATEGY,
      symbol: "BTCUSDT",
    }));
    const id = created.id;
    await page.goto(`${server.url}/paper_trading/${id}`);
    await waitHydrated(page, "SessionPanel");
    await waitHydrated(page, "FillsTable");
    const panel = page.locator('[data-testid="session-panel"]');
    await panel.locator('[data-testid="session-status"]').getByText("running").waitFor();
    await panel.locator('[data-testid="positions"]').getByText("Flat").waitFor();
    assert.equal(await panel.getByRole("button", { name: "Close position" }).count(), 0);

    // A new session's equity chart shows its first minute (clock labels of that minute, not
    // years around one point), starting from the session's first trade at the initial capital.
    await waitChartDrawn(page, "equity-chart", 1);
    const range = await page.locator('[data-testid="equity-chart"] canvas').evaluate((c) => ({
      min: Number((c as HTMLCanvasElement).dataset.xMin),
      max: Number((c as HTMLCanvasElement).dataset.xMax),
    }));
    const createdAt = Date.parse(created.created_at);
    assert.ok(
      range.min >= createdAt - 5_000 && range.min <= Date.now(),
      `the equity axis starts with the session: ${JSON.stringify(range)}, created ${createdAt}`,
    );
    assert.ok(
      range.max - range.min >= 60_000 && range.max <= Math.max(Date.now(), range.min) + 60_000,
      `the equity axis spans the first minute: ${JSON.stringify(range)}`,
    );
    const [start] = await eventually(async () => {
      const points = await server.service.records.equity(id, { limit: 10_000 });
      return points.length > 0 ? points : undefined;
    }, { what: "the session's first equity point", timeoutMs: LIVE_TIMEOUT });
    assert.equal(
      start.equity,
      created.initial_capital,
      "the curve starts at the initial capital",
    );
    assert.ok(
      start.time >= createdAt - 5_000,
      `the curve starts with the session: ${start.time}`,
    );

    // A ratio without enough returns reads — and says why on hover.
    const sharpe = panel.locator('[data-testid="metric-sharpe"]');
    assert.equal(await sharpe.textContent(), "—");
    assert.match(await sharpe.getAttribute("title") ?? "", /^needs 30 equity returns, has \d+ /);

    // More than the cash buys is refused, with the engine's reason under the form.
    const form = panel.locator('[data-testid="order-form"]');
    await form.getByLabel("Quantity").fill("1000000");
    await form.getByRole("button", { name: "Place order" }).click();
    await form.locator(".inline-error").getByText(/^order rejected — \w/).waitFor();

    // A manual market buy fills at once, tagged manual, and opens a position.
    await form.getByLabel("Quantity").fill("0.01");
    await form.getByRole("button", { name: "Place order" }).click();
    await form.locator('[data-testid="order-placed"]').getByText("buy 0.01 market: filled")
      .waitFor();
    await page.locator('[data-testid="fills-panel"] [data-testid="fill-row"]')
      .filter({ hasText: "manual" }).first().waitFor();
    await panel.locator('[data-testid="position-row"]').waitFor();

    // A limit far below the market rests as an open order; its button cancels it.
    const last = (await server.service.sessions.get(id)).last_price ?? 0;
    assert.ok(last > 0, "the session has a last price");
    await form.getByLabel("Order type").selectOption("limit");
    await form.getByLabel("Limit price").fill(String(Math.round(last / 2)));
    await form.getByRole("button", { name: "Place order" }).click();
    const open = panel.locator('[data-testid="open-order"]').filter({ hasText: "buy" });
    await open.first().waitFor();
    await screenshot(page, "session-manual-order-laptop");
    await open.first().getByRole("button", { name: "Cancel" }).click();
    await open.first().waitFor({ state: "detached" });

    // Close position: flat again, on the page and in the engine.
    await panel.getByRole("button", { name: "Close position" }).click();
    await panel.locator('[data-testid="positions"]').getByText("Flat").waitFor();
    assert.equal((await server.service.sessions.get(id)).position.quantity, 0);
    assert.equal(await panel.locator(".inline-error").count(), 0);

    // A market buy with a bracket from the form: its stop-loss or take-profit exit shows in the
    // signal history, with its reason. The bracket is checked against the price the order meets:
    // one set from a price the market has since moved past is refused, and set again from the newer.
    await form.getByLabel("Order type").selectOption("market");
    const filled = form.locator('[data-testid="order-placed"]').getByText(
      "buy 0.01 market: filled",
    );
    const refused = form.locator(".inline-error").getByText(/^order rejected — bracket /);
    let bracketsRefused = 0;
    await eventually(async () => {
      const price = (await server.service.sessions.get(id)).last_price ?? 0;
      await form.getByLabel("Stop-loss").fill(String(Math.round(price * 0.9998 * 100) / 100));
      await form.getByLabel("Take-profit").fill(String(Math.round(price * 1.0002 * 100) / 100));
      await form.getByRole("button", { name: "Place order" }).click();
      await filled.or(refused).waitFor();
      if (await filled.count() > 0) return true;
      bracketsRefused++;
    }, { what: "a market buy with a bracket around the price it meets", timeoutMs: LIVE_TIMEOUT });
    await page.locator('[data-testid="signal-row"]')
      .filter({ hasText: /manual\.(stop_loss|take_profit).*acted.*(stop loss|take profit) at/ })
      .first().waitFor();
    await panel.locator('[data-testid="positions"]').getByText("Flat").waitFor();
    await form.getByLabel("Stop-loss").fill("");
    await form.getByLabel("Take-profit").fill("");

    // Stopping with a position says plainly that it was left open.
    await form.getByRole("button", { name: "Place order" }).click();
    await panel.locator('[data-testid="position-row"]').waitFor();
    await panel.getByRole("button", { name: "Stop" }).click();
    await panel.locator('[data-testid="left-open"]').waitFor();
    assert.notEqual((await server.service.sessions.get(id)).position.quantity, 0);

    // Only the expected refusals: the order larger than the cash, and brackets the market passed.
    assert.deepEqual(
      problems.failed,
      Array(1 + bracketsRefused).fill(
        `POST ${server.url}/api/paper_trading/sessions/${id}/orders: 422`,
      ),
    );
    assert.deepEqual(
      problems.console.filter((line) => !line.includes("status of 422")),
      [],
      "console errors",
    );
  },
);

dashboardTest(
  "dashboard: validation errors are shown inline (new-session form, strategy editor)",
  async ({ server, page, problems }) => {
    await page.goto(server.url + "/paper_trading");
    await waitHydrated(page, "NewSessionForm");
    const form = page.locator('[data-testid="new-session-form"]');
    await form.locator('[data-testid="mode-paste"]').check();
    await form.locator('textarea[name="source"]').fill(BROKEN_STRATEGY);
    await form.getByRole("button", { name: "Start session" }).click();
    const errors = form.locator('[data-testid="form-errors"]');
    await errors.waitFor();
    const text = await errors.textContent() ?? "";
    assert.match(text, /invalid strategy/);
    assert.match(text, /timeframe: /, `a detail with its path in: ${text}`);
    assert.equal(await page.locator('[data-testid="session-card"]').count(), 0);

    await page.goto(server.url + "/strategies?id=ema_cross_fast");
    await waitHydrated(page, "StrategyEditor");
    const validation = page.locator('[data-testid="validation"]');
    await validation.getByText("valid").waitFor();
    const example = await page.locator('[data-testid="strategy-source"]').inputValue();
    await page.locator('[data-testid="strategy-source"]').fill(BROKEN_STRATEGY);
    await validation.getByText(/problems?/).waitFor();
    const listed = await page.locator('[data-testid="validation-errors"]').textContent() ?? "";
    assert.match(listed, /timeframe/);
    await screenshot(page, "strategies-laptop");

    // A built-in strategy is read-only: an edited one is saved as a copy under a new id.
    await page.locator('[data-testid="built-in"]').waitFor();
    assert.equal(await page.getByRole("button", { name: "Save new version" }).count(), 0);
    await page.locator('[data-testid="strategy-source"]').fill(example);
    await validation.getByText(/^valid/).waitFor();
    await page.getByLabel("Id of the copy").fill("my-fast-copy");
    await page.getByRole("button", { name: "Save as a copy" }).click();
    await page.locator('[data-testid="saved"]').getByText("my-fast-copy").waitFor();
    assert.equal((await server.service.strategies.get("my-fast-copy")).source, example);
    assert.equal((await server.service.strategies.get("ema_cross_fast")).version, 1);

    await page.getByRole("button", { name: "New strategy" }).click();
    await validation.getByText("valid (my-strategy)").waitFor();
    await page.getByRole("button", { name: "Save strategy" }).click();
    await page.locator('[data-testid="saved"]').getByText("my-strategy").waitFor();
    assert.equal((await server.service.strategies.get("my-strategy")).version, 1);

    const missing = await page.goto(server.url + `/paper_trading/${crypto.randomUUID()}`);
    assert.equal(missing?.status(), 404);
    await page.locator('[data-testid="not-found"]').waitFor();

    // Only the expected refusals: 422s of the validation and the 404 page.
    assertNoProblems(problems, {
      requests:
        /\/api\/paper_trading\/sessions: 422$|\/api\/strategies\/validate: 422$|\/paper_trading\/[0-9a-f-]{36}: 404$/,
      statuses: [422, 404],
    });
  },
);

const TOKEN = "dashboard-token-0123456789";

Deno.test({
  name: "dashboard with a token: log in once, live updates, upload a recording and backtest it",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "paper_browser_" });
    const recording = `${dir}/BTCUSDT-local.jsonl`;
    await writeStream(recording, simStream({ durationMs: 1_800_000, seed: 6 }));
    try {
      await withDashboard(async (browser, server) => {
        const { page, problems } = await openPage(browser, LAPTOP);
        const asked = await page.goto(server.url + "/backtests");
        assert.equal(asked?.status(), 401);
        await page.locator('[data-testid="login-form"] input[name="token"]').fill(TOKEN);
        await page.getByRole("button", { name: "Log in" }).click();
        await page.waitForURL("**/backtests");
        await waitHydrated(page, "DataFileField");

        const upload = page.locator('[data-testid="data-upload"]');
        await upload.setInputFiles(recording);
        const note = page.locator('[data-testid="data-upload-note"]');
        await note.getByText(/Uploaded as uploads\/[0-9a-f-]+\/BTCUSDT-local\.jsonl/).waitFor();
        const form = page.locator('[data-testid="backtest-form"]');
        assert.match(
          await form.locator('input[name="data"]').inputValue(),
          /^uploads\/[0-9a-f-]{36}\/BTCUSDT-local\.jsonl$/,
        );
        await form.locator('select[name="strategy"]').selectOption("ema_cross_fast");
        await form.getByRole("button", { name: "Run backtest" }).click();
        await page.waitForURL(/\/backtests\/[0-9a-f-]{36}$/);
        await page.locator('[data-testid="backtest-metrics"]').waitFor({ timeout: LIVE_TIMEOUT });
        assert.match(await page.textContent("main") ?? "", /uploads\/[0-9a-f-]+\/BTCUSDT-local/);
        // The charts are drawn in the dashboard's dark theme, not white boxes on the dark page.
        for (const chart of ["backtest-equity", "backtest-prices"]) {
          const colors = await page.locator(`[data-testid="${chart}"] svg`).evaluate((svg) => ({
            background: getComputedStyle(svg).backgroundColor,
            title: svg.querySelector("text")?.getAttribute("fill"),
          }));
          assert.deepEqual(colors, { background: "rgb(22, 28, 35)", title: "#e6e9ee" }, chart);
        }
        await screenshot(page, "backtest-laptop");

        // The WebSocket of the overview carries the login cookie: live prices arrive.
        await page.goto(server.url + "/");
        await waitHydrated(page, "LiveTicker");
        await page.waitForFunction(() =>
          /\d/.test(document.querySelector('[data-testid="ticker-price"]')?.textContent ?? "")
        );

        await page.getByRole("button", { name: "Log out" }).click();
        await page.locator('[data-testid="login-form"]').waitFor();

        // Only the expected refusals: the pages asking for the token.
        assertNoProblems(problems, {
          requests: /\/backtests: 401$|\/login: 401$/,
          statuses: [401],
        });
        await page.close();
      }, { env: { PAPER_API_TOKEN: TOKEN, BACKTEST_DIR: `${dir}/backtests` } });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

dashboardTest(
  "dashboard: the kill switch shows as a trading-state badge and in the risk audit, live",
  async ({ server, page, problems }) => {
    const post = (path: string, body: unknown) => call(server.url, "POST", path, body);
    const id = await createSession(server.url);
    await page.goto(`${server.url}/paper_trading/${id}`);
    await waitHydrated(page, "SessionPanel");
    await waitHydrated(page, "RiskAudit");
    const audit = page.locator('[data-testid="risk-audit"]');
    await audit.getByText("No risk events").waitFor();
    assert.equal(
      await page.locator('[data-testid="trading-state"]').count(),
      0,
      "active: no badge",
    );

    const halted = await post("/api/risk/halt", {});
    assert.equal(halted.status, 200);
    await page.locator('[data-testid="trading-state"]').getByText("halted (kill_switch)")
      .waitFor();
    const row = audit.locator('[data-testid="risk-row"]', { hasText: "active → halted" });
    await row.getByText(/halted by the account kill switch/).waitFor();
    assert.match(await row.textContent() ?? "", /kill_switch/);
    await screenshot(page, "session-halted-laptop");

    assert.equal((await post("/api/risk/resume", {})).status, 200);
    await page.locator('[data-testid="trading-state"]').waitFor({ state: "detached" });
    // Both state changes are listed (a signal refused while halted may sit between them).
    await audit.locator('[data-testid="risk-row"]').getByText(/halted → active/).waitFor();
    assert.equal(await audit.locator('[data-testid="risk-row"]', { hasText: "→" }).count(), 2);
    assertNoProblems(problems);
  },
);
