/**
 * The dashboard in a real browser for tests: headless Chromium driven by
 * playwright-core, pages that record their console errors and failed
 * requests, waits for islands and charts, and screenshots (to
 * tests/screenshots/).
 */
import assert from "node:assert/strict";
import { type Browser, chromium, type Page, type Request } from "playwright-core";
import { buildIslands } from "../../build/islands.ts";
import { startTestServer, type TestServer, type TestServerOptions } from "./server.ts";

const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOTS = new URL("../screenshots/", import.meta.url);
/** A laptop's viewport. */
export const LAPTOP = { width: 1280, height: 800 };
/** A phone's viewport. */
export const PHONE = { width: 390, height: 844 };
/** Generous: the machine is shared and slow; every wait is for a condition. */
export const LIVE_TIMEOUT = 60_000;

/** Console errors, uncaught exceptions, failed and non-2xx requests of a page. */
export interface Problems {
  readonly console: string[];
  readonly failed: string[];
}

/** Opens a page at `viewport` that records its problems; its waits last {@link LIVE_TIMEOUT}. */
export async function openPage(
  browser: Browser,
  viewport: { width: number; height: number },
): Promise<{ page: Page; problems: Problems }> {
  const page = await browser.newPage({ viewport });
  page.setDefaultTimeout(LIVE_TIMEOUT);
  const problems: Problems = { console: [], failed: [] };
  page.on("console", (message) => {
    if (message.type() === "error") problems.console.push(message.text());
  });
  page.on("pageerror", (error) => problems.console.push(`uncaught: ${error.message}`));
  // Leaving a page cancels its requests still in flight (net::ERR_ABORTED): that is no failure
  // of the service, so only aborts of requests begun since the last navigation count.
  let navigations = 0;
  const begunAfter = new WeakMap<Request, number>();
  page.on("request", (request) => {
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) navigations++;
    begunAfter.set(request, navigations);
  });
  page.on("requestfailed", (request) => {
    const error = request.failure()?.errorText;
    if (error === "net::ERR_ABORTED" && begunAfter.get(request) !== navigations) return;
    problems.failed.push(`${request.method()} ${request.url()}: ${error}`);
  });
  page.on("response", (response) => {
    if (response.status() >= 400) {
      problems.failed.push(
        `${response.request().method()} ${response.url()}: ${response.status()}`,
      );
    }
  });
  return { page, problems };
}

/**
 * Asserts that a page had no problems but the `expected` refusals: failed
 * requests matching one of them, and the browser's console line for each
 * such status ("Failed to load resource: … status of 422").
 */
export function assertNoProblems(
  problems: Problems,
  expected: { readonly requests: RegExp; readonly statuses: readonly number[] } | undefined =
    undefined,
): void {
  const unexpected = problems.failed.filter((line) => !expected?.requests.test(line));
  assert.deepEqual(unexpected, [], "failed requests");
  const statuses = expected?.statuses.join("|");
  const consoleErrors = problems.console.filter((line) =>
    !statuses ||
    !new RegExp(`Failed to load resource: the server responded with a status of (${statuses})`)
      .test(line)
  );
  assert.deepEqual(consoleErrors, [], "console errors");
}

/** Waits until the island `island` has hydrated. */
export async function waitHydrated(page: Page, island: string): Promise<void> {
  await page.waitForSelector(`[data-island="${island}"][data-hydrated="true"]`);
}

/** Waits until the page fits the viewport's width (charts resize asynchronously). */
export async function waitFitsWidth(page: Page, what: string): Promise<void> {
  await page.waitForFunction(() => document.documentElement.scrollWidth <= innerWidth)
    .catch(() => {
      throw new Error(`${what} scrolls sideways at ${page.viewportSize()?.width} px`);
    });
}

/** Saves a full-page screenshot as tests/screenshots/NAME.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await Deno.mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: new URL(`${name}.png`, SCREENSHOTS).pathname, fullPage: true });
}

/** Waits until a chart's canvas has a size and Chart.js drew at least `points` data points. */
export async function waitChartDrawn(page: Page, testid: string, points: number): Promise<void> {
  await page.waitForFunction(
    ([id, min]) => {
      const canvas = document.querySelector<HTMLCanvasElement>(`[data-testid="${id}"] canvas`);
      return canvas !== null && canvas.width > 0 && canvas.height > 0 &&
        Number(canvas.dataset.points ?? 0) >= Number(min);
    },
    [testid, points] as const,
    { timeout: LIVE_TIMEOUT },
  );
}

/** Builds the islands, launches Chromium, runs `fn` and closes the browser. */
export async function withBrowser(fn: (browser: Browser) => Promise<void>): Promise<void> {
  assert.ok(
    await Deno.stat(CHROMIUM).then(() => true, () => false),
    `${CHROMIUM} is missing: install it with 'apt-get install -y chromium'`,
  );
  await buildIslands();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
  try {
    await fn(browser);
  } finally {
    await browser.close();
  }
}

/** Runs `fn` with a browser and a fresh test server (started with `options`). */
export async function withDashboard(
  fn: (browser: Browser, server: TestServer) => Promise<void>,
  options: TestServerOptions = {},
): Promise<void> {
  const server = await startTestServer(options);
  try {
    await withBrowser((browser) => fn(browser, server));
  } finally {
    await server.stop();
  }
}

/** What a {@link dashboardTest} gets: a laptop-sized page of a fresh server, and its problems. */
export interface DashboardContext {
  readonly browser: Browser;
  readonly server: TestServer;
  readonly page: Page;
  readonly problems: Problems;
}

/**
 * A browser test of the dashboard: a fresh server (started with `options`)
 * and a laptop-sized page, closed after `fn`.
 */
export function dashboardTest(
  name: string,
  fn: (context: DashboardContext) => Promise<void>,
  options: TestServerOptions = {},
): void {
  Deno.test({
    name,
    // The browser's connections outlive a test's scope.
    sanitizeOps: false,
    sanitizeResources: false,
    fn: () =>
      withDashboard(async (browser, server) => {
        const { page, problems } = await openPage(browser, LAPTOP);
        await fn({ browser, server, page, problems });
        await page.close();
      }, options),
  });
}
