import assert from "node:assert/strict";
import { startTestServer } from "./support/server.ts";
import { expectExit, runCli } from "./support/cli.ts";

const BAD = `version: 1
name: broken
timeframe: 7x
indicators:
  fast: { type: EMA, period: -3 }
entry:
  long: { crosses_above: [fast, nope] }
sizing: { type: percent_of_equity, value: 50 }
`;

/** Writes `text` to a fresh temporary file with the given extension. */
async function tempFile(text: string, suffix = ".yaml"): Promise<string> {
  const path = await Deno.makeTempFile({ prefix: "cli_strategy_", suffix });
  await Deno.writeTextFile(path, text);
  return path;
}

/** A valid document: the shipped fast EMA cross under another name. */
async function renamed(name: string): Promise<string> {
  const source = await Deno.readTextFile(
    new URL("../strategies/ema_cross_fast.yaml", import.meta.url),
  );
  return source.replace(/^name: .*$/m, `name: ${name}`);
}

Deno.test("strategy validate checks a file locally", async (t) => {
  await t.step("a good file prints valid and exits 0", async () => {
    const result = expectExit(
      await runCli("strategy", ["validate", "strategies/ema_cross.yaml"]),
      0,
    );
    assert.match(result.stdout, /^valid: strategies\/ema_cross\.yaml \(strategy 'ema-cross'\)$/m);
    assert.equal(result.stderr, "");
  });

  await t.step("a bad file prints every error with its path and exits 1", async () => {
    const path = await tempFile(BAD);
    try {
      const result = expectExit(await runCli("strategy", ["validate", path]), 1);
      const lines = result.stdout.trim().split("\n");
      assert.ok(lines.some((line) => line.startsWith("timeframe: ")), result.stdout);
      assert.ok(lines.some((line) => line.startsWith("indicators.fast.period: ")), result.stdout);
      assert.ok(
        lines.some((line) => line.startsWith("entry.long.crosses_above[1]: ")),
        result.stdout,
      );
      assert.match(result.stderr, /is not a valid strategy \(\d+ problems\)/);
      const json = JSON.parse(
        expectExit(await runCli("strategy", ["validate", path, "--json"]), 1).stdout,
      );
      assert.equal(json.valid, false);
      assert.deepEqual(
        json.errors.map((error: { path: string }) => error.path),
        lines.map((line) => line.slice(0, line.indexOf(": "))),
      );
    } finally {
      await Deno.remove(path);
    }
  });

  await t.step("a JSON document is accepted too", async () => {
    const path = await tempFile(
      JSON.stringify({ version: 1, name: "j", timeframe: "1m" }),
      ".json",
    );
    try {
      const result = expectExit(await runCli("strategy", ["validate", path, "--json"]), 1);
      assert.equal(JSON.parse(result.stdout).valid, false);
    } finally {
      await Deno.remove(path);
    }
  });

  await t.step("a missing file or argument is a usage error", async () => {
    const missing = expectExit(await runCli("strategy", ["validate", "no/such/file.yaml"]), 2);
    assert.match(
      missing.stderr,
      /^error: cannot read strategy file 'no\/such\/file\.yaml': no such file$/m,
    );
    expectExit(await runCli("strategy", ["validate"]), 2);
    expectExit(await runCli("strategy", ["nonsense"]), 2);
  });
});

Deno.test("a strategy file over 64 KB, endless ones included, is refused at once", async () => {
  const oversized = await tempFile(`# ${"x".repeat(64 * 1024)}\n${await renamed("big")}`);
  const TOO_LARGE =
    /cannot read strategy file '[^']+': larger than 65,536 bytes, the limit of a strategy document/;
  // No service listens there: the file is refused before any request.
  const url = "http://127.0.0.1:9";
  try {
    for (
      const [script, args] of [
        ["strategy", ["validate", "/dev/zero"]],
        ["strategy", ["validate", oversized]],
        ["strategy", ["create", "/dev/urandom"]],
        ["strategy", ["update", "some-id", "/dev/zero"]],
        ["paper", ["start", "--strategy", "/dev/zero", "--symbol", "BTCUSDT"]],
        ["backtest", ["--strategy", oversized, "--data", oversized]],
      ] as const
    ) {
      const result = expectExit(await runCli(script, args, { url, timeoutMs: 60_000 }), 2);
      assert.match(result.stderr, TOO_LARGE, `${script} ${args.join(" ")}`);
    }
  } finally {
    await Deno.remove(oversized);
  }
});

Deno.test("strategy CLI manages stored strategies", async (t) => {
  const server = await startTestServer();
  const strategy = (...args: string[]) => runCli("strategy", args, { url: server.url });
  const file = await tempFile(await renamed("cli-cross"));
  const bad = await tempFile(BAD);
  try {
    await t.step("list shows the seeded examples", async () => {
      const out = expectExit(await strategy("list"), 0).stdout;
      assert.match(out, /^ID\s+NAME\s+VERSION\s+UPDATED$/m);
      assert.match(out, /^ema_cross_fast\s+ema-cross-fast\s+1\s+\d{4}-/m);
      const json = JSON.parse(expectExit(await strategy("list", "--json"), 0).stdout);
      assert.ok(json.strategies.some((s: { id: string }) => s.id === "ema_cross"));
    });

    await t.step("create, then a second create is refused with the details", async () => {
      const out = expectExit(await strategy("create", file), 0).stdout;
      assert.match(out, /created strategy cli-cross \('cli-cross', version 1\)/);
      const again = expectExit(await strategy("create", file), 1);
      assert.match(again.stderr, /^error: strategy id taken \(HTTP 422\)$/m);
      assert.match(again.stderr, /^ {2}id: a strategy with id 'cli-cross' exists/m);
      const custom = JSON.parse(
        expectExit(await strategy("create", file, "--id", "mine", "--json"), 0).stdout,
      );
      assert.equal(custom.id, "mine");
      assert.equal(custom.version, 1);
    });

    await t.step("an invalid document is refused with every path", async () => {
      const result = expectExit(await strategy("create", bad), 1);
      assert.match(result.stderr, /^error: invalid strategy \(HTTP 422\)$/m);
      assert.match(result.stderr, /^ {2}indicators\.fast\.period: /m);
      assert.match(result.stderr, /^ {2}entry\.long\.crosses_above\[1\]: /m);
    });

    await t.step("update stores a new version; show prints it with its source", async () => {
      assert.match(
        expectExit(await strategy("update", "cli-cross", file), 0).stdout,
        /updated strategy cli-cross to version 2/,
      );
      const out = expectExit(await strategy("show", "cli-cross"), 0).stdout;
      assert.match(out, /^Version\s+2$/m);
      assert.match(out, /^name: cli-cross$/m);
      const first = JSON.parse(
        expectExit(await strategy("show", "cli-cross", "--version", "1", "--json"), 0).stdout,
      );
      assert.equal(first.version, 1);
    });

    await t.step("delete removes it; then it is not found", async () => {
      assert.match(
        expectExit(await strategy("delete", "cli-cross"), 0).stdout,
        /deleted strategy cli-cross/,
      );
      const json = JSON.parse(expectExit(await strategy("delete", "mine", "--json"), 0).stdout);
      assert.deepEqual(json, { id: "mine", deleted: true });
      for (
        const args of [["show", "cli-cross"], ["delete", "cli-cross"], [
          "update",
          "cli-cross",
          file,
        ]]
      ) {
        const result = expectExit(await strategy(...args), 1);
        assert.match(result.stderr, /no strategy with id 'cli-cross' \(HTTP 404\)/);
      }
    });

    await t.step("usage errors exit 2", async () => {
      for (
        const args of [["show"], ["update", "x"], ["show", "x", "--version", "0"], ["list", "--x"]]
      ) {
        const result = expectExit(await strategy(...args), 2);
        assert.equal(result.stdout, "");
      }
      assert.match(
        expectExit(await strategy("create", "--help"), 0).stdout,
        /^usage: deno task strategy create FILE \[--id ID\]$/m,
      );
    });
  } finally {
    await Deno.remove(file);
    await Deno.remove(bad);
    await server.stop();
  }
});

Deno.test("strategy CLI: every command needs the token when the service has one", async () => {
  const server = await startTestServer({ env: { PAPER_API_TOKEN: "secret" } });
  const file = await tempFile(await renamed("token-cross"));
  try {
    const refused = expectExit(await runCli("strategy", ["create", file], { url: server.url }), 1);
    assert.match(refused.stderr, /\(HTTP 401\)/);
    expectExit(await runCli("strategy", ["list"], { url: server.url }), 1);
    const env = { PAPER_API_TOKEN: "secret" };
    expectExit(await runCli("strategy", ["list"], { url: server.url, env }), 0);
    expectExit(await runCli("strategy", ["create", file], { url: server.url, env }), 0);
    expectExit(await runCli("strategy", ["delete", "token-cross"], { url: server.url, env }), 0);
  } finally {
    await Deno.remove(file);
    await server.stop();
  }
});
