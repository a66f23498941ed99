import assert from "node:assert/strict";
import type { Fill } from "../engine/core/execution/mod.ts";
import { DATABASES } from "./support/databases.ts";
import { eventually } from "./support/server.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

function startProcess(env: Record<string, string>): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--unstable-worker-options", "-A", MAIN],
    env: { FEED: "sim", DEMO_SESSION: "true", LOG_LEVEL: "warn", ...env },
    stdout: "null",
    stderr: "null",
  }).spawn();
}

async function getJson(url: string): Promise<unknown> {
  try {
    const response = await fetch(url);
    return response.ok ? await response.json() : (await response.body?.cancel(), undefined);
  } catch {
    return undefined;
  }
}

for (const kind of DATABASES) {
  Deno.test(`${kind.name}: after SIGKILL every running session comes back with its shown fills and a consistent book`, async () => {
    const database = kind.name === "postgres" ? await kind.open() : undefined;
    const dataDir = await Deno.makeTempDir({ prefix: "paper_kill_" });
    const port = freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = {
      PORT: String(port),
      DATA_DIR: dataDir,
      ...(database?.url ? { DATABASE_URL: database.url } : {}),
    };
    let child = startProcess(env);
    try {
      const session = await eventually(async () => {
        const list = await getJson(`${base}/api/paper_trading/sessions`) as
          | { sessions: { id: string }[] }
          | undefined;
        return list?.sessions[0];
      }, { what: "the demo session", timeoutMs: 60_000 });
      const shown = await eventually(async () => {
        const page = await getJson(`${base}/api/paper_trading/sessions/${session.id}/trades`) as
          | { items: Fill[] }
          | undefined;
        return page && page.items.length >= 3 ? page.items : undefined;
      }, { what: "three fills shown by the API", timeoutMs: 60_000 });

      child.kill("SIGKILL");
      await child.status;
      child = startProcess(env);

      const restored = await eventually(async () => {
        const s = await getJson(`${base}/api/paper_trading/sessions/${session.id}`) as
          | {
            status: string;
            cash: number;
            position: { quantity: number };
            initial_capital: number;
          }
          | undefined;
        return s?.status === "running" ? s : undefined;
      }, { what: "the session running again", timeoutMs: 60_000 });

      const after = await getJson(
        `${base}/api/paper_trading/sessions/${session.id}/trades?limit=1000`,
      ) as { items: Fill[] };
      for (const fill of shown) {
        assert.ok(after.items.some((f) => f.id === fill.id), `shown fill ${fill.id} kept`);
      }
      // The restored book agrees with the durable fill history. Fills made after the restart
      // are included in both sides once we read a fresh summary and trade list together.
      const [summary, ledger] = await eventually(async () => {
        const s = await getJson(
          `${base}/api/paper_trading/sessions/${session.id}`,
        ) as typeof restored;
        const t = await getJson(
          `${base}/api/paper_trading/sessions/${session.id}/trades?limit=1000`,
        ) as { items: Fill[] };
        const s2 = await getJson(
          `${base}/api/paper_trading/sessions/${session.id}`,
        ) as typeof restored;
        return s.cash === s2.cash ? [s, t.items] as const : undefined;
      });
      const cash = ledger.reduce(
        (sum, f) => sum + (f.side === "sell" ? 1 : -1) * f.price * f.quantity - f.fee,
        summary.initial_capital,
      );
      const quantity = ledger.reduce((q, f) => q + (f.side === "buy" ? 1 : -1) * f.quantity, 0);
      assert.ok(Math.abs(summary.cash - cash) < 1e-6, `cash ${summary.cash} = ledger ${cash}`);
      assert.ok(Math.abs(summary.position.quantity - quantity) < 1e-9, "position = Σ fills");
    } finally {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await child.status;
      await Deno.remove(dataDir, { recursive: true });
      await database?.dispose();
    }
  });
}
