/**
 * A paper-trading service as its own process, as the restore and failover
 * benchmarks run it: `main.ts` on the simulated feed at a free local port,
 * and the few HTTP calls they make to it.
 */

/** How long an awaited state of a service process may take before the benchmark fails. */
export const PROCESS_DEADLINE_MS = 180_000;

/** A free `http://127.0.0.1:PORT` for a service to listen on. */
export function freeUrl(): string {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return `http://127.0.0.1:${port}`;
}

/** Starts `main.ts` on the simulated BTCUSDT feed at `url`, `env` on top (a database, a cluster). */
export function spawnService(url: string, env: Record<string, string> = {}): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--unstable-worker-options",
      "-A",
      new URL("../main.ts", import.meta.url).pathname,
    ],
    env: {
      FEED: "sim",
      DEMO_SESSION: "false",
      SYMBOLS: "BTCUSDT",
      LOG_LEVEL: "error",
      PORT: new URL(url).port,
      ...env,
    },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
}

/** Kills a service process (SIGKILL) and waits for it to end; one already gone is fine. */
export async function killService(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill("SIGKILL");
  } catch { /* already gone */ }
  await child.status;
}

/**
 * Polls `check` until it returns a value (a throw counts as not yet), or
 * fails after {@link PROCESS_DEADLINE_MS} saying `what` it waited for.
 */
export async function until<T>(check: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = performance.now() + PROCESS_DEADLINE_MS;
  while (true) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (performance.now() > deadline) {
      throw new Error(`bench: ${what} within ${PROCESS_DEADLINE_MS} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** GETs `url` as JSON (10 s at most); throws on an error status. */
export async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return await response.json() as T;
}

/** Creates `count` `ema_cross_fast` BTCUSDT sessions through the service's API. */
export async function createSessions(url: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${url}/api/paper_trading/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ strategy: "ema_cross_fast", symbol: "BTCUSDT" }),
    });
    if (response.status !== 201) throw new Error(`create session: ${await response.text()}`);
  }
}

/** How many sessions of the service at `url` run. */
export async function runningSessions(url: string): Promise<number> {
  const health = await getJson<{ sessions: { by_status: Record<string, number> } }>(
    `${url}/api/health`,
  );
  return health.sessions.by_status.running ?? 0;
}
