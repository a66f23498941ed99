/**
 * A PostgreSQL server of the test's own that it may stop and start: a Debian
 * cluster (`pg_createcluster`) on a free port, created for one test and
 * dropped after it. The shared cluster other people use is never touched.
 */
import { freePort } from "./service_process.ts";

/** True where Debian's PostgreSQL cluster tools are installed. */
export const CLUSTER_TOOLS = new Deno.Command("sh", {
  args: ["-c", "command -v pg_createcluster && command -v pg_ctlcluster"],
  stdout: "null",
  stderr: "null",
}).outputSync().success;

/** A private cluster: its URL, and controls to stop, start and drop it. */
export interface TestCluster {
  /** `postgres://postgres@127.0.0.1:PORT/postgres`. */
  readonly url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the cluster and deletes it with its data. */
  drop(): Promise<void>;
}

async function run(command: string, args: string[]): Promise<void> {
  const output = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" })
    .output();
  if (!output.success) {
    const text = new TextDecoder().decode(output.stderr) + new TextDecoder().decode(output.stdout);
    throw new Error(`${command} ${args.join(" ")} failed (exit ${output.code}): ${text.trim()}`);
  }
}

/** The newest installed PostgreSQL major version (`/usr/lib/postgresql/N`). */
function serverVersion(): string {
  const versions = [...Deno.readDirSync("/usr/lib/postgresql")]
    .map((entry) => entry.name)
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error("no PostgreSQL server under /usr/lib/postgresql");
  return versions[0];
}

/** Creates and starts a cluster of this test's own (trust auth, a free port). */
export async function createTestCluster(): Promise<TestCluster> {
  const version = serverVersion();
  const name = `paper_fault_${Deno.pid}_${crypto.randomUUID().slice(0, 6)}`;
  const port = freePort();
  await run("pg_createcluster", [version, name, "--port", String(port), "--", "--auth=trust"]);
  const control = (action: "start" | "stop") =>
    run("pg_ctlcluster", ["--skip-systemctl-redirect", version, name, action]);
  await control("start");
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => control("stop"),
    start: () => control("start"),
    drop: () => run("pg_dropcluster", ["--stop", version, name]),
  };
}
