// The service as a process: failing to start says why in one line (exit 2);
// SIGTERM stops it promptly even with sessions running and live streams open.
import assert from "node:assert/strict";
import { eventually } from "./support/wait.ts";
import { freePort, getJson, startServiceProcess } from "./support/service_process.ts";
import { createSession } from "./support/api.ts";

/** The process's exit status, or undefined when it is still running after `ms`. */
async function exitWithin(
  child: Deno.ChildProcess,
  ms: number,
): Promise<Deno.CommandStatus | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([child.status, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the service until it exits on its own; its exit code and stderr lines. */
async function runToExit(env: Record<string, string>): Promise<{ code: number; lines: string[] }> {
  const service = startServiceProcess(env);
  const status = await exitWithin(service.child, 60_000);
  if (!status) {
    await service.kill();
    throw new Error(`the service did not exit within 60 s:\n${service.stderr()}`);
  }
  await service.kill(); // collects the rest of stderr
  return { code: status.code, lines: service.stderr().trim().split("\n") };
}

Deno.test("a DATA_DIR that cannot be written stops the service with one line and exit code 2", async () => {
  const file = await Deno.makeTempFile({ prefix: "paper_not_a_dir_" });
  try {
    const { code, lines } = await runToExit({ DATA_DIR: `${file}/data` });
    assert.equal(code, 2, lines.join("\n"));
    assert.equal(lines.length, 1, lines.join("\n"));
    assert.match(lines[0], /^DATA_DIR=.*\/data is not a writable directory \(.+\)/);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test({
  name: "a read-only DATA_DIR stops the service with one line and exit code 2",
  ignore: Deno.uid() === 0, // permissions do not stop root
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "paper_read_only_" });
    await Deno.chmod(dir, 0o500);
    try {
      const { code, lines } = await runToExit({ DATA_DIR: dir });
      assert.equal(code, 2, lines.join("\n"));
      assert.equal(lines.length, 1, lines.join("\n"));
      assert.match(lines[0], /is not a writable directory/);
    } finally {
      await Deno.chmod(dir, 0o700);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("a port in use stops the service with one line and exit code 2", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  try {
    const { code, lines } = await runToExit({ PORT: String(port) });
    assert.equal(code, 2, lines.join("\n"));
    assert.deepEqual(lines, [
      `port ${port} on 127.0.0.1 is already in use: stop the other service or set PORT`,
    ]);
  } finally {
    listener.close();
  }
});

Deno.test("an unreachable database stops the service with one line and exit code 2", async () => {
  const { code, lines } = await runToExit({
    DATABASE_URL: `postgres://postgres@127.0.0.1:${freePort()}/paper`,
  });
  assert.equal(code, 2, lines.join("\n"));
  assert.deepEqual(lines, ["cannot reach the database at DATABASE_URL: connection refused"]);
});

Deno.test("requests with and without a body log no legacy request.signal warning", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "paper_signal_warning_" });
  const service = startServiceProcess({ DATA_DIR: dataDir });
  try {
    await eventually(() => getJson(`${service.url}/api/health`), {
      what: "the service answering",
      timeoutMs: 90_000,
    });
    const requests: [string, string, string?, string?][] = [
      ["GET", "/"],
      ["GET", "/api/paper_trading/sessions"],
      ["GET", "/api/paper_trading/sessions/nope"],
      ["POST", "/api/strategies/validate", "text/plain", "version: 1\nname: x\n"],
      [
        "POST",
        "/api/paper_trading/sessions",
        "application/json",
        JSON.stringify({ strategy: "ema_cross", symbol: "BTCUSDT" }),
      ],
      ["POST", "/api/paper_trading/sessions", "application/json", "{}"],
    ];
    const statuses = [];
    let id = "";
    for (const [method, path, type, body] of requests) {
      const response = await fetch(`${service.url}${path}`, {
        method,
        headers: type ? { "content-type": type } : {},
        body,
      });
      if (response.status === 201) id = (await response.json()).id;
      else await response.body?.cancel();
      statuses.push(response.status);
    }
    assert.deepEqual(statuses, [200, 200, 404, 422, 201, 400]);
    // A live stream the client leaves after its first event.
    const stream = await fetch(`${service.url}/api/paper_trading/sessions/${id}/stream`, {
      signal: AbortSignal.timeout(30_000),
    });
    assert.equal(stream.status, 200);
    const reader = stream.body!.getReader();
    const first = await reader.read().catch((error) => {
      throw new Error(`no first event of the live stream within 30 s: ${error}`);
    });
    assert.equal(first.done, false);
    await reader.cancel();
    await service.kill("SIGTERM");
    assert.doesNotMatch(service.stderr(), /request\.signal|legacy behavior/);
  } finally {
    await service.kill();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("SIGTERM stops the service promptly with sessions running and a live stream open", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "paper_sigterm_" });
  const service = startServiceProcess({ DATA_DIR: dataDir });
  const sessions = 20;
  let stream: Response | undefined;
  try {
    await eventually(() => getJson(`${service.url}/api/health`), {
      what: "the service answering",
      timeoutMs: 90_000,
    });
    let id = "";
    for (let i = 0; i < sessions; i++) {
      id = await createSession(service.url);
    }
    // An SSE client that never goes away by itself.
    stream = await fetch(`${service.url}/api/paper_trading/sessions/${id}/stream`);
    assert.equal(stream.status, 200);

    service.child.kill("SIGTERM");
    const status = await exitWithin(service.child, 30_000);
    assert.ok(status, `no exit within 30 s of SIGTERM:\n${service.stderr()}`);
    assert.equal(status.code, 0, `exit code ${status.code} (0: shut down within its deadline)`);
  } finally {
    await stream?.body?.cancel().catch(() => {});
    await service.kill();
    await Deno.remove(dataDir, { recursive: true });
  }
});
