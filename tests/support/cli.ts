// Shared fixtures of the CLI tests (not a test file itself): runs a CLI script
// as a subprocess, the way `deno task` does.

/** What one CLI run printed and how it exited. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const ROOT = new URL("../..", import.meta.url).pathname;

/**
 * Runs `deno run -A cli/<script>.ts ...args` from the project root with
 * `PAPER_URL` set to `url` (and `PAPER_API_TOKEN` only when given in `env`).
 * With `timeoutMs`, a run that has not ended by then is killed and fails the
 * test, naming the command.
 */
export async function runCli(
  script: "paper" | "strategy" | "backtest" | "sweep",
  args: readonly string[],
  options: { url?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliResult> {
  const env: Record<string, string> = { NO_COLOR: "1", ...options.env };
  if (options.url) env.PAPER_URL = options.url;
  const inherited = Deno.env.toObject();
  delete inherited.PAPER_API_TOKEN;
  delete inherited.PAPER_URL;
  const signal = options.timeoutMs === undefined
    ? undefined
    : AbortSignal.timeout(options.timeoutMs);
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `cli/${script}.ts`, ...args],
    cwd: ROOT,
    env: { ...inherited, ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
    signal,
  }).output();
  if (signal?.aborted) {
    throw new Error(
      `cli/${script}.ts ${args.join(" ")} did not end within ${options.timeoutMs} ms`,
    );
  }
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Fails with the run's output when it did not exit with `code`. */
export function expectExit(result: CliResult, code: number): CliResult {
  if (result.code !== code) {
    throw new Error(
      `expected exit ${code}, got ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`,
    );
  }
  return result;
}
