/**
 * Runs the service (`main.ts`) as a subprocess, the way `deno task start`
 * does, for tests of start-up, shutdown, restarts and faults.
 */

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** A free TCP port on the loopback interface (free when this returns). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** A running service process and what it printed so far. */
export interface ServiceProcess {
  readonly child: Deno.ChildProcess;
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** True while the process runs. */
  running(): boolean;
  /** Kills the process (SIGKILL unless told otherwise) and waits for it to end. */
  kill(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
}

/**
 * Starts `main.ts` on a free port with a simulated feed, no demo session and
 * `env` on top (`PORT` in `env` wins). Its stderr is collected, never left to
 * fill a pipe.
 */
export function startServiceProcess(env: Record<string, string> = {}): ServiceProcess {
  const port = env.PORT ?? String(freePort());
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--unstable-worker-options", "-A", MAIN],
    env: { FEED: "sim", DEMO_SESSION: "false", LOG_LEVEL: "warn", ...env, PORT: port },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let text = "";
  let done = false;
  const decoder = new TextDecoder();
  child.stderr.pipeTo(
    new WritableStream({
      write: (chunk) => void (text += decoder.decode(chunk, { stream: true })),
    }),
  ).catch(() => {});
  const status = child.status.finally(() => done = true);
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    stderr: () => text,
    running: () => !done,
    async kill(signal: Deno.Signal = "SIGKILL") {
      if (!done) {
        try {
          child.kill(signal);
        } catch { /* already gone */ }
      }
      return await status;
    },
  };
}

/** GETs `url` and parses JSON; undefined when the service is unreachable or answers non-2xx. */
export async function getJson<T = unknown>(url: string): Promise<T | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    if (response.ok) return await response.json() as T;
    await response.body?.cancel();
  } catch { /* not reachable (yet) */ }
  return undefined;
}
