import assert from "node:assert/strict";

/** A module of `deno info --json` output, with only the fields read here. */
interface InfoModule {
  specifier: string;
  dependencies?: { code?: { specifier: string } }[];
}

/**
 * What a session worker must not load: validation libraries, the exchange
 * library for other venues (~60 MB) and main-thread market code.
 */
const FORBIDDEN = [
  /^npm:\/?zod@/,
  /^npm:\/?yaml@/,
  /^npm:\/?ccxt@/,
  /\/ccxt_feed\.ts$/,
  /\/binance_feed\.ts$/,
  /\/recorder\.ts$/,
  /\/replay_feed\.ts$/,
  /\/sim_feed\.ts$/,
];

/** Specifiers of every module the worker loads at run time (type-only imports are erased, so not followed). */
async function workerRuntimeModules(): Promise<string[]> {
  const worker = new URL("../engine/runtime/session_worker.ts", import.meta.url);
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", worker.href],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, `deno info failed: ${new TextDecoder().decode(stderr)}`);
  const info = JSON.parse(new TextDecoder().decode(stdout)) as {
    roots: string[];
    modules: InfoModule[];
  };
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const pending = [...info.roots];
  while (pending.length > 0) {
    const specifier = pending.pop()!;
    if (seen.has(specifier)) continue;
    seen.add(specifier);
    for (const dependency of bySpecifier.get(specifier)?.dependencies ?? []) {
      if (dependency.code) pending.push(dependency.code.specifier);
    }
  }
  return [...seen];
}

Deno.test("the session worker loads no zod, no yaml, no ccxt and no feed or recorder code", async () => {
  const modules = await workerRuntimeModules();
  assert.ok(
    modules.some((m) => m.endsWith("/engine/core/session/session.ts")),
    `the graph walk found the session core: ${modules.join(", ")}`,
  );
  const forbidden = modules.filter((m) => FORBIDDEN.some((pattern) => pattern.test(m)));
  assert.deepEqual(forbidden, [], `forbidden modules in the worker graph: ${forbidden.join(", ")}`);
});
