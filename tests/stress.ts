/**
 * `deno task test:stress [FILES…]`: runs the session, bus and API tests (or
 * the given files) while two CPU-hog processes keep the cores busy, so that
 * a test depending on speed instead of correctness fails here first. The
 * hogs are always ended, also when the tests fail or this runner is
 * interrupted; the whole run is bounded by `STRESS_TIMEOUT_S` (default 1200).
 * Exits with the tests' status (1 on timeout).
 */
const HOGS = 2;
const FILE = /^(session_|api_|market_bus).*\.test\.ts$/;

const tests = new URL(".", import.meta.url);
const files = Deno.args.length > 0 ? Deno.args : [...Deno.readDirSync(tests)]
  .filter((entry) => entry.isFile && FILE.test(entry.name))
  .map((entry) => `tests/${entry.name}`)
  .sort();
const timeoutS = Number(Deno.env.get("STRESS_TIMEOUT_S") ?? 1200);

const hogs = Array.from({ length: HOGS }, () =>
  new Deno.Command(Deno.execPath(), {
    args: ["run", new URL("../fixtures/cpu_hog.ts", import.meta.url).pathname],
    stdin: "piped",
    stdout: "null",
  }).spawn());

const run = new Deno.Command(Deno.execPath(), {
  args: ["test", "--unstable-worker-options", "-A", "--parallel", ...files],
}).spawn();
const stopRun = () => run.kill("SIGTERM");
Deno.addSignalListener("SIGINT", stopRun);
Deno.addSignalListener("SIGTERM", stopRun);
let timedOut = false;
const timer = setTimeout(() => {
  timedOut = true;
  console.error(`test:stress: no result within ${timeoutS} s: stopping the tests`);
  run.kill("SIGKILL");
}, timeoutS * 1000);

console.error(`test:stress: ${files.length} test files beside ${HOGS} CPU hogs`);
let code = 1;
try {
  code = (await run.status).code;
} finally {
  clearTimeout(timer);
  for (const hog of hogs) {
    hog.kill("SIGKILL");
    await hog.status;
  }
  Deno.removeSignalListener("SIGINT", stopRun);
  Deno.removeSignalListener("SIGTERM", stopRun);
}
Deno.exit(timedOut ? 1 : code);
