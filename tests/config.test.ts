import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "../engine/runtime/config.ts";

Deno.test("defaults are documented values", () => {
  const config = loadConfig({});
  assert.equal(config.host, "127.0.0.1");
  assert.equal(config.port, 8000);
  assert.equal(config.databaseUrl, undefined);
  assert.equal(config.dataDir, "./data");
  assert.equal(config.backtestDir, "./data/recordings");
  assert.equal(config.readToken, undefined);
  assert.equal(config.feed, "auto");
  assert.deepEqual(config.symbols, ["BTCUSDT", "ETHUSDT"]);
  assert.equal(config.logLevel, "info");
  assert.equal(config.binanceWsUrl, "wss://stream.binance.com:9443");
  assert.ok(config.maxSessions >= 1);
  assert.equal(config.natsUrl, undefined, "one process unless NATS_URL is set");
  assert.equal(config.nodeId, "127.0.0.1:8000");
  assert.equal(config.leaseMs, 5000);
  assert.equal(config.maxLiveConnections, 1000, "WebSockets and SSE streams together");
});

Deno.test("NATS_URL with a PostgreSQL DATABASE_URL makes a cluster node named NODE_ID", () => {
  const node = loadConfig({
    NATS_URL: "nats://127.0.0.1:4222",
    DATABASE_URL: "postgres://postgres@127.0.0.1/test",
    NODE_ID: "n1",
    CLUSTER_LEASE_MS: "2000",
  });
  assert.equal(node.natsUrl, "nats://127.0.0.1:4222");
  assert.equal(node.nodeId, "n1");
  assert.equal(node.leaseMs, 2000);
  assert.equal(node.streamRetentionMs, 3_600_000, "the market stream keeps an hour by default");
  assert.equal(loadConfig({ MARKET_RETAIN_S: "7200" }).streamRetentionMs, 7_200_000);
  assert.equal(loadConfig({ PORT: "8002" }).nodeId, "127.0.0.1:8002");
});

Deno.test("MAX_SESSIONS defaults to the lower of half the memory at 1 MB a session (plus its share of a 14 MB worker) and 500 a core", () => {
  const gib = 1024 ** 3;
  const cap = (env: Record<string, string>, cores: number, memory = 24 * gib) => {
    const config = loadConfig(env, { totalMemoryBytes: memory, cores });
    return { max: config.maxSessions, ...config.sessionCap };
  };
  assert.deepEqual(cap({}, 64), { max: 11_953, by: "memory", memory: 11_953, cores: 32_000 });
  assert.equal(cap({ SESSIONS_PER_WORKER: "1" }, 64).max, 819, "a worker each: 15 MB a session");
  assert.deepEqual(cap({}, 2), { max: 1000, by: "cores", memory: 11_953, cores: 1000 });
  assert.equal(cap({}, 0).max, 500, "at least one core counted");
  assert.equal(cap({}, 2, 1024 ** 2).max, 1, "at least 1");
  assert.deepEqual(cap({ MAX_SESSIONS: "2500" }, 2), {
    max: 2500,
    by: "MAX_SESSIONS",
    memory: 11_953,
    cores: 1000,
  });
});

Deno.test("values are read and normalised", () => {
  const config = loadConfig({
    PORT: "9000",
    FEED: "replay:/tmp/x.jsonl.gz",
    SYMBOLS: " btcusdt, solusdt ",
    LOG_LEVEL: "DEBUG",
    DATABASE_URL: "postgres://postgres@127.0.0.1/test",
  });
  assert.equal(config.port, 9000);
  assert.equal(config.feed, "replay:/tmp/x.jsonl.gz");
  assert.deepEqual(config.symbols, ["BTCUSDT", "SOLUSDT"]);
  assert.equal(config.logLevel, "debug");
  assert.equal(loadConfig({ MAX_LIVE_CONNECTIONS: " 50 " }).maxLiveConnections, 50);
  assert.equal(loadConfig({ DATA_DIR: "/srv/paper" }).backtestDir, "/srv/paper/recordings");
  assert.equal(loadConfig({ BACKTEST_DIR: "/srv/tapes" }).backtestDir, "/srv/tapes");
  const tokens = loadConfig({ PAPER_API_TOKEN: "w", PAPER_READ_TOKEN: "r" });
  assert.equal(tokens.readToken, "r");
});

Deno.test("invalid values name the variable and what it accepts", () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ PORT: "eighty" }, /^invalid PORT="eighty": expected an integer from 0 to 65535$/],
    [{ PORT: "70000" }, /PORT/],
    [{ FEED: "kraken" }, /^invalid FEED="kraken": expected auto, sim, binance or replay:PATH$/],
    [{ SYMBOLS: "BTC-USDT" }, /SYMBOLS/],
    [{ LOG_LEVEL: "loud" }, /LOG_LEVEL.*debug, info, warn, error/],
    [{ DATABASE_URL: "mysql://x" }, /DATABASE_URL.*postgres:\/\//],
    [{ HOST: "0.0.0.0" }, /HOST.*PAPER_API_TOKEN/],
    [{ MAX_SESSIONS: "0" }, /^invalid MAX_SESSIONS="0": expected a positive integer$/],
    [{ MAX_SESSIONS: "lots" }, /MAX_SESSIONS/],
    [
      { MAX_LIVE_CONNECTIONS: "0" },
      /^invalid MAX_LIVE_CONNECTIONS="0": expected a positive integer$/,
    ],
    [{ MAX_LIVE_CONNECTIONS: "-5" }, /MAX_LIVE_CONNECTIONS="-5"/],
    [{ MAX_LIVE_CONNECTIONS: "1.5" }, /MAX_LIVE_CONNECTIONS="1.5"/],
    [{ PAPER_READ_TOKEN: "r" }, /^invalid PAPER_READ_TOKEN="<hidden>": .*PAPER_API_TOKEN/],
    [{ PAPER_READ_TOKEN: "t", PAPER_API_TOKEN: "t" }, /PAPER_READ_TOKEN.*different/],
    [{ NATS_URL: "nats://127.0.0.1:4222" }, /^invalid NATS_URL=.*PostgreSQL DATABASE_URL/],
    [{ NODE_ID: "node one" }, /^invalid NODE_ID="node one"/],
    [{ CLUSTER_LEASE_MS: "100" }, /CLUSTER_LEASE_MS.*at least 500/],
    [{ MARKET_RETAIN_S: "10" }, /MARKET_RETAIN_S.*from 60/],
    [{ MARKET_RETAIN_S: "1h" }, /MARKET_RETAIN_S.*whole seconds/],
  ];
  for (const [env, message] of cases) {
    assert.throws(() => loadConfig(env), (error: Error) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, message);
      return true;
    });
  }
  assert.equal(loadConfig({ HOST: "0.0.0.0", PAPER_API_TOKEN: "t" }).host, "0.0.0.0");
});

Deno.test("the service exits with code 2 and one line on invalid configuration", async () => {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../main.ts", import.meta.url).pathname],
    env: { FEED: "nope" },
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(code, 2);
  assert.equal(
    new TextDecoder().decode(stderr).trim(),
    'invalid FEED="nope": expected auto, sim, binance or replay:PATH',
  );
});

Deno.test("RISK_* variables set the account-wide risk limits; bad values name the variable", () => {
  assert.deepEqual(loadConfig({}).risk, {});
  assert.deepEqual(
    loadConfig({
      RISK_MAX_DRAWDOWN_PERCENT: "20",
      RISK_DAILY_LOSS_PERCENT: "2.5",
      RISK_MAX_ORDERS_PER_MINUTE: "30",
      RISK_FLATTEN_ON_HALT: "true",
    }).risk,
    {
      max_drawdown_percent: 20,
      daily_loss_percent: 2.5,
      max_orders_per_minute: 30,
      flatten_on_halt: true,
    },
  );
  assert.throws(
    () => loadConfig({ RISK_MAX_DRAWDOWN_PERCENT: "150" }),
    (e: Error) => e instanceof ConfigError && /RISK_MAX_DRAWDOWN_PERCENT="150"/.test(e.message),
  );
  assert.throws(
    () => loadConfig({ RISK_MAX_ORDERS_PER_MINUTE: "many" }),
    (e: Error) => e instanceof ConfigError && /RISK_MAX_ORDERS_PER_MINUTE/.test(e.message),
  );
  assert.throws(
    () => loadConfig({ RISK_FLATTEN_ON_HALT: "maybe" }),
    (e: Error) => e instanceof ConfigError && /true or false/.test(e.message),
  );
});
