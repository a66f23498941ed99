import assert from "node:assert/strict";
import { eventually, startTestServer } from "./support/server.ts";
import { expectExit, runCli } from "./support/cli.ts";
import { startLossyProxy } from "./support/lossy_proxy.ts";

/** A loopback port nobody listens on (bound, then released). */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

Deno.test("paper CLI drives a session through its whole life", async (t) => {
  const server = await startTestServer();
  const paper = (...args: string[]) => runCli("paper", args, { url: server.url });
  try {
    let id = "";

    await t.step("start prints the session as JSON with --json", async () => {
      const result = expectExit(
        await paper("start", "--strategy", "ema_cross_fast", "--symbol", "BTCUSDT", "--json"),
        0,
      );
      const session = JSON.parse(result.stdout);
      assert.equal(session.strategy_id, "ema_cross_fast");
      assert.equal(session.symbol, "BTCUSDT");
      assert.equal(session.simulated, true);
      id = session.id;
    });

    await t.step("list shows it, marked SIMULATED", async () => {
      const table = expectExit(await paper("list"), 0).stdout;
      const row = table.split("\n").find((line) => line.startsWith(id));
      assert.ok(row, `no row for ${id} in:\n${table}`);
      assert.match(row, /BTCUSDT/);
      assert.match(row, /SIMULATED/);
      assert.match(table.split("\n")[0], /^ID\s+NAME\s+SYMBOL\s+STATUS/);
      const page = JSON.parse(expectExit(await paper("list", "--json", "--limit", "5"), 0).stdout);
      assert.equal(page.limit, 5);
      assert.ok(page.sessions.some((s: { id: string }) => s.id === id));
      const stopped = JSON.parse(
        expectExit(await paper("list", "--status", "stopped", "--json"), 0)
          .stdout,
      );
      assert.equal(stopped.sessions.length, 0);
    });

    await t.step("a session's id may be shortened to its start, in either case", async () => {
      const out = expectExit(await paper("status", id.slice(0, 8).toUpperCase()), 0).stdout;
      assert.match(out, new RegExp(`^Session\\s+${id}$`, "m"));
    });

    await t.step("status shows the state with times in ISO UTC", async () => {
      const out = expectExit(await paper("status", id), 0).stdout;
      assert.match(out, new RegExp(`^Session\\s+${id}$`, "m"));
      assert.match(out, /^Data\s+SIMULATED \(feed: sim\)$/m);
      assert.match(out, /^Created\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/m);
      assert.match(out, /^Initial capital\s+10,000\.00$/m);
    });

    await t.step(
      "risk shows and sets the trading state with its audit; account works the kill switch",
      async () => {
        assert.match(expectExit(await paper("status", id), 0).stdout, /^Trading\s+active$/m);
        const halted = expectExit(await paper("risk", id, "--halt"), 0).stdout;
        assert.match(halted, /^Trading\s+halted \(manual\)$/m);
        assert.match(halted, /manual\s+active → halted: halted by an operator/);
        expectExit(await paper("risk", id, "--halt", "--reduce"), 2);
        expectExit(await paper("risk", id, "--flatten"), 2);
        const active = JSON.parse(
          expectExit(await paper("risk", id, "--activate", "--json"), 0).stdout,
        );
        assert.equal(active.risk.state, "active");
        // State changes, newest first (a signal refused while halted may sit between them).
        const changes = active.events.filter((e: { kind: string }) => e.kind === "state");
        assert.deepEqual(changes.map((e: { state: string }) => e.state), ["active", "halted"]);
        const on = expectExit(await paper("account", "--halt"), 0).stdout;
        assert.match(on, /^Kill switch\s+ON: every session halted$/m);
        assert.match(
          expectExit(await paper("status", id), 0).stdout,
          /^Trading\s+halted \(kill_switch\)$/m,
        );
        const off = expectExit(
          await paper("account", "--resume", "--limits", '{"max_orders_per_minute": 100}'),
          0,
        ).stdout;
        assert.match(off, /^Kill switch\s+off$/m);
        assert.match(off, /^max_orders_per_minute\s+100$/m);
        assert.match(
          expectExit(await paper("account", "--limits", "{nope"), 2).stderr,
          /JSON object/,
        );
        assert.match(
          expectExit(await paper("account", "--limits", '{"max_drawdown_percent": -1}'), 1).stderr,
          /max_drawdown_percent/,
        );
        assert.match(expectExit(await paper("status", id), 0).stdout, /^Trading\s+active$/m);
      },
    );

    await t.step("pause, refused second pause (409), resume", async () => {
      assert.match(expectExit(await paper("pause", id), 0).stdout, /is paused/);
      assert.equal(
        JSON.parse(expectExit(await paper("status", id, "--json"), 0).stdout).status,
        "paused",
      );
      const again = expectExit(await paper("pause", id), 1);
      assert.equal(again.stdout, "");
      assert.match(again.stderr, /cannot pause a session that is paused.*\(HTTP 409\)/);
      assert.match(expectExit(await paper("resume", id), 0).stdout, /is running/);
    });

    await t.step("trades eventually lists fills", async () => {
      await eventually(async () => {
        const page = JSON.parse(expectExit(await paper("trades", id, "--json"), 0).stdout);
        if (page.items.length > 0) return true;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }, { timeoutMs: 60_000, what: "a fill" });
      const listed = JSON.parse(expectExit(await paper("trades", id, "--json"), 0).stdout).total;
      const fillsShown = async () => {
        const status = expectExit(await paper("status", id), 0).stdout;
        return { status, shown: Number(status.match(/^Fills\s+(\d+)$/m)?.[1]) };
      };
      // The status is the session's view, sent at most every 200 ms: it may trail the fills list briefly.
      await eventually(async () => (await fillsShown()).shown >= listed || undefined, {
        timeoutMs: 30_000,
        what: `the status to show the ${listed} fills listed`,
      }).catch(() => {});
      const { status, shown } = await fillsShown();
      assert.ok(shown >= listed, `status says ${shown} fills, the list has ${listed}`);
      assert.match(status, /^Closed trades\s+\d+$/m);
      const table = expectExit(await paper("trades", id, "--limit", "1"), 0).stdout;
      assert.match(table, /^TIME\s+SYMBOL\s+SIDE\s+PRICE\s+QUANTITY/);
      assert.match(table, /^\d{4}-\d\d-\d\dT[\d:.]+Z\s+BTCUSDT\s+(buy|sell)\s/m);
      const csv = expectExit(await paper("trades", id, "--csv"), 0).stdout;
      assert.match(csv, /^id,time,symbol,side,price,quantity,fee/);
      assert.ok(csv.trim().split("\n").length >= 2);
    });

    await t.step("metrics as a table and as JSON", async () => {
      const table = expectExit(await paper("metrics", id), 0).stdout;
      assert.match(table, /^Total return\s+/m);
      assert.match(
        table,
        /^Sharpe\s+— {2}needs 30 equity returns, has \d+ /m,
        "a missing ratio says why",
      );
      const metrics = JSON.parse(expectExit(await paper("metrics", id, "--json"), 0).stdout);
      assert.equal(typeof metrics.total_return, "number");
      assert.equal(typeof metrics.fees_paid, "number");
    });

    await t.step("order places a manual order; cancel cancels one", async () => {
      const bought = expectExit(await paper("order", id, "buy", "--notional", "50"), 0).stdout;
      assert.match(bought, /^order o\d+ buy market [\d.]+: filled \([\d.]+ @ [\d,.]+\)$/m);
      const placed = JSON.parse(
        expectExit(await paper("order", id, "buy", "--notional", "50", "--json"), 0).stdout,
      );
      // The strategy's exit cancels every open order, a manual one too: one cancelled that way
      // before the CLI's cancel reached it is placed again.
      let limit: { id: string; status: string; tag: string } | undefined;
      for (let attempt = 1; limit === undefined; attempt++) {
        const order = JSON.parse(
          expectExit(
            await paper(
              "order",
              id,
              "buy",
              "--quantity",
              "0.001",
              "--type",
              "limit",
              "--price",
              String(Math.round(placed.avg_price / 2)),
              "--json",
            ),
            0,
          ).stdout,
        );
        assert.equal(order.status, "new");
        assert.equal(order.tag, "manual");
        const cancelled = await paper("cancel", id, order.id);
        if (cancelled.code !== 0 && attempt < 5) continue;
        assert.match(
          expectExit(cancelled, 0).stdout,
          new RegExp(`^cancelled order ${order.id} of session ${id}$`, "m"),
        );
        limit = order;
      }
      assert.match(expectExit(await paper("cancel", id, limit.id), 1).stderr, /HTTP 404/);
      expectExit(await paper("order", id, "hold", "--quantity", "1"), 2);
    });

    await t.step("close flattens the position at market", async () => {
      assert.match(
        expectExit(await paper("close", id), 0).stdout,
        new RegExp(`^closed session ${id}: position flat$`, "m"),
      );
    });

    await t.step("stop prints the final metrics; stopping again is refused", async () => {
      const out = expectExit(await paper("stop", id, "--flatten"), 0).stdout;
      assert.match(out, /^Position\s+flat$/m, "--flatten leaves no position");
      assert.doesNotMatch(out, /position left open/);
      assert.match(out, new RegExp(`stopped session ${id}`));
      assert.match(out, /^Status\s+stopped$/m);
      assert.match(out, /Final metrics/);
      assert.match(out, /^Fees paid\s+[\d,.]+$/m);
      const again = expectExit(await paper("stop", id), 1);
      assert.match(again.stderr, /cannot stop a session that is stopped.*\(HTTP 409\)/);
    });

    await t.step("start from a local file sends it inline", async () => {
      const result = expectExit(
        await paper(
          "start",
          "--strategy",
          "strategies/ema_cross_fast.yaml",
          "--symbol",
          "btcusdt",
          "--capital",
          "500",
          "--name",
          "from-file",
          "--slippage-bps",
          "2",
          "--taker-fee",
          "0.0005",
          "--json",
        ),
        0,
      );
      const session = JSON.parse(result.stdout);
      assert.equal(session.strategy_id, null);
      assert.equal(session.name, "from-file");
      assert.equal(session.initial_capital, 500);
      expectExit(await paper("stop", session.id, "--json"), 0);
    });

    await t.step("a portfolio: start over two symbols, status per symbol, close one", async () => {
      const started = JSON.parse(
        expectExit(
          await paper(
            "start",
            "--strategy",
            "ema_cross_fast",
            "--symbol",
            "btcusdt,ethusdt",
            "--capital",
            "100000",
            "--json",
          ),
          0,
        ).stdout,
      );
      assert.deepEqual(started.symbols, ["BTCUSDT", "ETHUSDT"]);
      await eventually(async () => {
        const s = JSON.parse(expectExit(await paper("status", started.id, "--json"), 0).stdout);
        return s.per_symbol?.ETHUSDT.last_price ? s : undefined;
      }, { what: "an ETHUSDT price in the portfolio session", timeoutMs: 60_000 });
      const placed = expectExit(
        await paper("order", started.id, "buy", "--symbol", "ethusdt", "--quantity", "1"),
        0,
      );
      assert.match(placed.stdout, /buy market 1: filled/);
      const out = await eventually(async () => {
        const text = expectExit(await paper("status", started.id), 0).stdout;
        return /^ETHUSDT\s+[\d.]+ @ [\d,.]+/m.test(text) ? text : undefined;
      }, { what: "the ETHUSDT position in the status table", timeoutMs: 60_000 });
      assert.match(out, /^Symbols\s+BTCUSDT, ETHUSDT$/m);
      assert.match(out, /^SYMBOL\s+POSITION\s+LAST/m);
      const list = expectExit(await paper("list"), 0).stdout;
      assert.match(list.split("\n").find((l) => l.startsWith(started.id)) ?? "", /BTCUSDT,ETHUSDT/);
      const fills = expectExit(await paper("trades", started.id), 0).stdout;
      assert.match(fills, /ETHUSDT\s+buy/);
      const closed = expectExit(await paper("close", started.id, "--symbol", "ethusdt"), 0);
      assert.match(
        closed.stdout,
        new RegExp(`^closed ETHUSDT in session ${started.id}: position flat$`, "m"),
      );
      expectExit(await paper("stop", started.id, "--json"), 0);
    });

    await t.step("API validation errors show the details with paths", async () => {
      const result = expectExit(
        await paper("start", "--strategy", "ema_cross_fast", "--symbol", "NOPEUSDT"),
        1,
      );
      assert.match(result.stderr, /^error: unknown symbol \(HTTP 400\)$/m);
      assert.match(result.stderr, /^ {2}symbol: 'NOPEUSDT' is not traded here/m);
    });

    await t.step("unknown id → exit 1 with the 404 message", async () => {
      const unknown = "00000000-0000-4000-8000-000000000000";
      for (const command of ["status", "pause", "metrics", "trades"]) {
        const result = expectExit(await paper(command, unknown), 1);
        assert.equal(result.stdout, "");
        assert.match(result.stderr, new RegExp(`no session with id '${unknown}' \\(HTTP 404\\)`));
      }
    });

    await t.step("an id no session's id starts with → exit 1 saying so", async () => {
      for (const command of ["status", "stop"]) {
        const result = expectExit(await paper(command, "no-such-session"), 1);
        assert.equal(result.stdout, "");
        assert.match(
          result.stderr,
          /^error: no session with id 'no-such-session' \(nor one whose/m,
        );
      }
      assert.match(expectExit(await paper("status", ""), 2).stderr, /the session id is empty/);
    });

    await t.step("usage errors exit 2", async () => {
      const cases = [
        [],
        ["frobnicate"],
        ["status"],
        ["status", "a", "b"],
        ["list", "--limit", "0"],
        ["list", "--bogus"],
        ["start", "--symbol", "BTCUSDT"],
        ["start", "--strategy", "ema_cross_fast", "--symbol", "BTCUSDT", "--capital", "lots"],
        ["start", "--strategy", "missing/file.yaml", "--symbol", "BTCUSDT"],
        ["trades", "x", "--csv", "--json"],
        ["list", "--url", "not a url"],
      ];
      for (const args of cases) {
        const result = expectExit(await paper(...args), 2);
        assert.equal(result.stdout, "", `stdout for ${args.join(" ")}`);
        assert.match(result.stderr, /^error: /, `stderr for ${args.join(" ")}`);
      }
    });

    await t.step("--help prints usage and exits 0", async () => {
      assert.match(expectExit(await paper("--help"), 0).stdout, /^usage: deno task paper COMMAND/m);
      const help = expectExit(await paper("start", "--help"), 0).stdout;
      assert.match(help, /^usage: deno task paper start --strategy ID\|FILE --symbol SYMBOL/m);
      assert.match(help, /--slippage-bps N/);
    });
  } finally {
    await server.stop();
  }
});

Deno.test("paper CLI reports an unreachable service", async () => {
  const url = `http://127.0.0.1:${closedPort()}`;
  const result = expectExit(await runCli("paper", ["list"], { url }), 1);
  assert.equal(result.stdout, "");
  assert.equal(
    result.stderr.trim(),
    `error: cannot reach the service at ${url}: is it running? (deno task start)`,
  );
});

Deno.test("paper CLI sends PAPER_API_TOKEN as a bearer token", async () => {
  const server = await startTestServer({ env: { PAPER_API_TOKEN: "secret" } });
  try {
    const start = ["start", "--strategy", "ema_cross_fast", "--symbol", "BTCUSDT", "--json"];
    const refused = expectExit(await runCli("paper", start, { url: server.url }), 1);
    assert.match(refused.stderr, /\(HTTP 401\)/);
    // Reading needs the token too.
    const unread = expectExit(await runCli("paper", ["list"], { url: server.url }), 1);
    assert.match(unread.stderr, /\(HTTP 401\)\n.*\n {2}set PAPER_API_TOKEN/);
    const env = { PAPER_API_TOKEN: "secret" };
    expectExit(await runCli("paper", ["list"], { url: server.url, env }), 0);
    const wrong = await runCli("paper", start, { url: server.url, env: { PAPER_API_TOKEN: "x" } });
    expectExit(wrong, 1);
    const session = JSON.parse(
      expectExit(await runCli("paper", start, { url: server.url, env }), 0).stdout,
    );
    expectExit(await runCli("paper", ["stop", session.id], { url: server.url, env }), 0);
  } finally {
    await server.stop();
  }
});

Deno.test("paper start sends an Idempotency-Key: a start whose answer is lost is retried, not doubled", async () => {
  const server = await startTestServer();
  const proxy = startLossyProxy(server.url, {
    drop: 1,
    match: (method, path) => method === "POST" && path === "/api/paper_trading/sessions",
  });
  try {
    const result = expectExit(
      await runCli("paper", [
        "start",
        "--strategy",
        "ema_cross_fast",
        "--symbol",
        "BTCUSDT",
        "--json",
      ], {
        url: proxy.url,
      }),
      0,
    );
    const session = JSON.parse(result.stdout);
    const creates = proxy.seen.filter((r) => r.method === "POST");
    assert.equal(creates.length, 2, "the lost answer was asked for again");
    const keys = creates.map((r) => r.headers.get("idempotency-key"));
    assert.ok(keys[0], "the start carries an Idempotency-Key");
    assert.equal(keys[1], keys[0], "the retry carries the same key");
    const list = await (await fetch(`${server.url}/api/paper_trading/sessions`)).json();
    assert.equal(list.total, 1, "one session for two deliveries of the request");
    assert.equal(list.sessions[0].id, session.id);
  } finally {
    proxy.close();
    await server.stop();
  }
});
