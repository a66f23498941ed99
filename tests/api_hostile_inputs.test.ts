/**
 * Hostile requests against a running service with a token (issue 12), as one
 * table: input → expected status (and message). Every answer is a 4xx with a
 * clear message, never a 500, and no answer shows a server path.
 */
import assert from "node:assert/strict";
import { eventually, startTestServer } from "./support/server.ts";
import { rawRequest } from "./support/raw_http.ts";
import { simStream, writeStream } from "./support/backtest_stream.ts";

const TOKEN = "write-token-0123456789";
const READ_TOKEN = "read-token-9876543210";
const JSON_TYPE = { "content-type": "application/json" };
const FORM_TYPE = { "content-type": "application/x-www-form-urlencoded" };
const NOT_A_DATA_FILE = /not a recording \(\.jsonl or \.csv, optionally \.gz\) in the backtest/;

/** Who sends the request: the write token (default), the read token, a wrong one or none. */
type As = "write" | "read" | "read-cookie" | "write-cookie" | "wrong" | "none";

interface Case {
  /** What is sent, in words. */
  readonly what: string;
  readonly method: string;
  /** `{session}` and `{dir}` are replaced by a live session's id and the data directory. */
  readonly path: string;
  readonly as?: As;
  readonly headers?: Record<string, string>;
  readonly body?: string | Uint8Array<ArrayBuffer>;
  readonly status: number;
  /** What the answer's body must say. */
  readonly says?: RegExp;
}

const credentials: Record<As, Record<string, string>> = {
  "write": { authorization: `Bearer ${TOKEN}` },
  "read": { authorization: `Bearer ${READ_TOKEN}` },
  "write-cookie": { cookie: `paper_token=${TOKEN}` },
  "read-cookie": { cookie: `paper_token=${READ_TOKEN}` },
  "wrong": { authorization: "Bearer not-the-token" },
  "none": {},
};

const SESSION_ID_ROUTES: [string, string][] = [
  ["GET", ""],
  ["POST", "/pause"],
  ["POST", "/resume"],
  ["DELETE", ""],
  ["GET", "/trades"],
  ["GET", "/closed_trades"],
  ["GET", "/orders"],
  ["GET", "/equity"],
  ["GET", "/signals"],
  ["GET", "/metrics"],
  ["GET", "/stream"],
];

const NUL_URL = /invalid URL.*control character U\+0000/;
const nulIds: Case[] = [
  ...SESSION_ID_ROUTES.map(([method, tail]): Case => ({
    what: `%00 as the session id of ${method} …/sessions/:id${tail}`,
    method,
    path: `/api/paper_trading/sessions/%00${tail}`,
    status: 400,
    says: NUL_URL,
  })),
  { what: "%00 strategy id (GET)", method: "GET", path: "/api/strategies/%00", status: 400 },
  {
    what: "%00 strategy id (PUT)",
    method: "PUT",
    path: "/api/strategies/%00",
    body: "version: 1",
    status: 400,
    says: NUL_URL,
  },
  { what: "%00 strategy id (DELETE)", method: "DELETE", path: "/api/strategies/%00", status: 400 },
  { what: "%00 backtest id", method: "GET", path: "/api/backtests/%00", status: 400 },
  { what: "%00 symbol", method: "GET", path: "/api/market/%00/candles", status: 400 },
  { what: "%00 session page id", method: "GET", path: "/paper_trading/%00", status: 400 },
  { what: "%00 backtest page id", method: "GET", path: "/backtests/%00", status: 400 },
  { what: "%00 strategy page ?id=", method: "GET", path: "/strategies?id=%00", status: 400 },
  {
    what: "an encoded lone surrogate as an id",
    method: "GET",
    path: "/api/paper_trading/sessions/%ED%A0%80",
    status: 400,
    says: /not valid percent-encoded UTF-8/,
  },
  {
    what: "an unknown query parameter holding %00",
    method: "GET",
    path: "/api/paper_trading/sessions?x=%00",
    status: 400,
  },
];

const session = (fields: string) => `{"strategy":"ema_cross","symbol":"BTCUSDT",${fields}}`;
const YAML_NUL_NAME = 'version: 1\nname: "a\\0b"\ntimeframe: 1m\n' +
  "entry: {long: {gt: [close, 1]}}\nsizing: {type: fixed_quantity, value: 1}\n";
const badText: Case[] = [
  {
    what: "NUL in a session name",
    method: "POST",
    path: "/api/paper_trading/sessions",
    body: session('"name":"a\\u0000b"'),
    status: 400,
    says: /"path":"name","message":"contains a NUL character \(U\+0000\) at index 1"/,
  },
  {
    what: "a lone surrogate in a session name",
    method: "POST",
    path: "/api/paper_trading/sessions",
    body: session('"name":"\\ud800"'),
    status: 400,
    says: /"path":"name","message":"contains a lone surrogate \(U\+D800\)/,
  },
  {
    what: "NUL in a strategy sent as JSON source",
    method: "POST",
    path: "/api/strategies",
    body: '{"source":"name: a\\u0000"}',
    status: 400,
    says: /"path":"source"/,
  },
  {
    what: "NUL from a YAML escape in a strategy name",
    method: "POST",
    path: "/api/strategies",
    headers: { "content-type": "application/yaml" },
    body: YAML_NUL_NAME,
    status: 422,
    says: /"path":"name","message":"contains a NUL character/,
  },
  {
    what: "a lone surrogate from a YAML escape, validated",
    method: "POST",
    path: "/api/strategies/validate",
    headers: { "content-type": "application/yaml" },
    body: YAML_NUL_NAME.replace("\\0", "\\uD800"),
    status: 422,
    says: /"valid":false.*lone surrogate/,
  },
  {
    what: "a strategy object nested 100,000 levels deep",
    method: "POST",
    path: "/api/paper_trading/sessions",
    body: `{"symbol":"BTCUSDT","strategy":${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}}`,
    status: 400,
    says: /levels deep; the limit is 128/,
  },
  {
    what: "a document nested 100,000 arrays deep, validated",
    method: "POST",
    path: "/api/strategies/validate",
    body: `{"document":${"[".repeat(100_000)}${"]".repeat(100_000)}}`,
    status: 400,
    says: /levels deep; the limit is 128/,
  },
  {
    what: "NUL in the backtest form's strategy field",
    method: "POST",
    path: "/backtests",
    headers: FORM_TYPE,
    body: "strategy=%00&data=BTCUSDT-stream.jsonl",
    status: 400,
    says: /contains a NUL character/,
  },
];

const PROTO_STRATEGY = "version: 1\nname: t\ntimeframe: 1s\nindicators:\n" +
  "  __proto__: { type: EMA, period: 2 }\nentry:\n  long: { crosses_above: [close, __proto__] }\n" +
  "sizing: { type: percent_of_equity, value: 50 }\n";
const PROTO_REFUSED =
  /"path":"indicators.__proto__","message":"indicator name '__proto__' is reserved/;
const badStrategies: Case[] = [
  {
    what: "an indicator named __proto__, validated",
    method: "POST",
    path: "/api/strategies/validate",
    headers: { "content-type": "application/yaml" },
    body: PROTO_STRATEGY,
    status: 422,
    says: PROTO_REFUSED,
  },
  {
    what: "an indicator named __proto__, stored",
    method: "POST",
    path: "/api/strategies",
    headers: { "content-type": "application/yaml" },
    body: PROTO_STRATEGY,
    status: 422,
    says: PROTO_REFUSED,
  },
  {
    what: "a session of a strategy with an indicator named __proto__",
    method: "POST",
    path: "/api/paper_trading/sessions",
    body: JSON.stringify({ strategy: PROTO_STRATEGY, symbol: "BTCUSDT" }),
    status: 422,
    says: PROTO_REFUSED,
  },
  {
    what: "a backtest of a strategy with an indicator named __proto__",
    method: "POST",
    path: "/api/backtests",
    body: JSON.stringify({ strategy: PROTO_STRATEGY, data: "BTCUSDT-stream.jsonl" }),
    status: 422,
    says: PROTO_REFUSED,
  },
  {
    what: "an indicator named __proto__, as a JSON document",
    method: "POST",
    path: "/api/strategies/validate",
    // Written as text: `__proto__` in an object literal would set its prototype.
    body: '{"document": {"version": 1, "name": "t", "timeframe": "1s", ' +
      '"indicators": {"__proto__": {"type": "EMA", "period": 2}}, ' +
      '"entry": {"long": {"gt": ["__proto__", 1]}}, ' +
      '"sizing": {"type": "percent_of_equity", "value": 50}}}',
    status: 422,
    says: PROTO_REFUSED,
  },
  {
    what: "an indicator named close, as a JSON document",
    method: "POST",
    path: "/api/strategies/validate",
    body: JSON.stringify({
      document: {
        version: 1,
        name: "t",
        timeframe: "1s",
        indicators: { close: { type: "EMA", period: 2 } },
        entry: { long: { gt: ["close", 1] } },
        sizing: { type: "percent_of_equity", value: 50 },
      },
    }),
    status: 422,
    says: /"path":"indicators.close","message":"indicator name 'close' is a candle field/,
  },
  {
    what: "a YAML document expanding 150 aliases",
    method: "POST",
    path: "/api/strategies/validate",
    headers: { "content-type": "application/yaml" },
    body: `version: 1\nname: &n x\ndescription: [${Array(150).fill("*n").join(", ")}]\n`,
    status: 422,
    says: /the document expands more than 100 aliases \(\*name\); the limit is 100/,
  },
];

const order = (fields: Record<string, unknown>): Case => ({
  what: `an order ${JSON.stringify(fields)}`,
  method: "POST",
  path: "/api/paper_trading/sessions/{session}/orders",
  body: JSON.stringify(fields),
  status: 400,
});
const badOrders: Case[] = [
  {
    ...order({ side: "buy", quantity: 0.00001, price: 1_000_000 }),
    says: /"path":"price","message":"price applies to limit and stop_limit orders only"/,
  },
  {
    ...order({ side: "buy", type: "stop_market", quantity: 0.1, stop_price: 70_000, price: 1 }),
    says: /"path":"price","message":"price applies to limit and stop_limit orders only"/,
  },
  {
    ...order({ side: "buy", type: "limit", quantity: 0.1, price: 50_000, stop_price: 1 }),
    says: /"path":"stop_price","message":"stop_price applies to stop_market and stop_limit/,
  },
  {
    ...order({ side: "buy", type: "stop_market", quantity: 0.001, stop_price: 1e-300 }),
    status: 422,
    says: /"message":"stop_price rounds to 0 at tick size/,
  },
  {
    // (the session has a market price by then: the table waits for it)
    ...order({ side: "buy", quantity: 0.001, bracket: { stop_loss: 1e9, take_profit: 0.01 } }),
    status: 422,
    says: new RegExp(
      "bracket stop_loss 1000000000 must be below the entry price [0-9.]+; " +
        "bracket take_profit 0.01 must be above the entry price [0-9.]+ of a buy",
    ),
  },
];

const CAPITAL_TOO_SMALL =
  /"path":"initial_capital","message":"must be at least 1 \(one unit of the quote currency\)"/;
const badCapital: Case[] = [
  {
    what: "a session with an initial capital of 5e-324",
    method: "POST",
    path: "/api/paper_trading/sessions",
    body: session('"initial_capital":5e-324'),
    status: 400,
    says: CAPITAL_TOO_SMALL,
  },
  {
    what: "a backtest with an initial capital of 0.5",
    method: "POST",
    path: "/api/backtests",
    body: JSON.stringify({
      strategy: "ema_cross",
      data: "BTCUSDT-stream.jsonl",
      initial_capital: 0.5,
    }),
    status: 400,
    says: CAPITAL_TOO_SMALL,
  },
];

const BUILT_IN = /'ema_cross' is a built-in strategy and cannot be changed or deleted/;
const builtIns: Case[] = [
  {
    what: "deleting the built-in strategy ema_cross",
    method: "DELETE",
    path: "/api/strategies/ema_cross",
    status: 409,
    says: BUILT_IN,
  },
  {
    what: "overwriting the built-in strategy ema_cross",
    method: "PUT",
    path: "/api/strategies/ema_cross",
    headers: { "content-type": "application/yaml" },
    body: PROTO_STRATEGY.replace("__proto__", "p").replace("__proto__", "p"),
    status: 409,
    says: BUILT_IN,
  },
];

const backtest = (data: string) => JSON.stringify({ strategy: "ema_cross", data });
const paths: Case[] = [
  ["../secret.jsonl", "'..' to a file that exists"],
  ["../missing.jsonl", "'..' to no file"],
  ["{dir}/secret.jsonl", "an absolute path to a file that exists"],
  ["{dir}/missing.jsonl", "an absolute path to no file"],
  ["{dir}/recordings/BTCUSDT-stream.jsonl", "an absolute path into the directory"],
  ["/etc/passwd", "/etc/passwd"],
  ["/proc/self/environ", "/proc/self/environ"],
  ["escape.jsonl", "a symlink in the directory leading out"],
  ["sub/../../secret.jsonl", "'..' after a folder"],
].map(([data, what]): Case => ({
  what: `backtest data: ${what}`,
  method: "POST",
  path: "/api/backtests",
  body: backtest(data),
  status: 422,
  says: NOT_A_DATA_FILE,
}));

const access: Case[] = [
  { what: "health without a token", method: "GET", path: "/api/health", as: "none", status: 401 },
  {
    what: "strategies without a token",
    method: "GET",
    path: "/api/strategies",
    as: "none",
    status: 401,
  },
  {
    what: "backtests without a token",
    method: "GET",
    path: "/api/backtests",
    as: "none",
    status: 401,
  },
  {
    what: "the SSE stream without a token",
    method: "GET",
    path: "/api/paper_trading/sessions/{session}/stream",
    as: "none",
    status: 401,
    says: /missing or wrong token/,
  },
  {
    what: "the SSE stream with a wrong token",
    method: "GET",
    path: "/api/paper_trading/sessions/{session}/stream",
    as: "wrong",
    status: 401,
  },
  {
    what: "the session list with a wrong token",
    method: "GET",
    path: "/api/paper_trading/sessions",
    as: "wrong",
    status: 401,
  },
  {
    what: "the dashboard without a token",
    method: "GET",
    path: "/",
    as: "none",
    status: 401,
    says: /data-testid="login-form"/,
  },
  {
    what: "a session page without a token",
    method: "GET",
    path: "/paper_trading/{session}",
    as: "none",
    status: 401,
  },
  {
    what: "the backtest form post without a token",
    method: "POST",
    path: "/backtests",
    as: "none",
    headers: FORM_TYPE,
    body: "strategy=ema_cross&data=BTCUSDT-stream.jsonl",
    status: 401,
  },
  {
    what: "the backtest form post with a wrong token",
    method: "POST",
    path: "/backtests",
    as: "wrong",
    headers: FORM_TYPE,
    body: "strategy=ema_cross&data=BTCUSDT-stream.jsonl",
    status: 401,
  },
  {
    what: "the backtest form post with the read token's cookie",
    method: "POST",
    path: "/backtests",
    as: "read-cookie",
    headers: FORM_TYPE,
    body: "strategy=ema_cross&data=BTCUSDT-stream.jsonl",
    status: 403,
    says: /read-only token/,
  },
  {
    what: "a session start with the read token",
    method: "POST",
    path: "/api/paper_trading/sessions",
    as: "read",
    body: session('"name":"x"'),
    status: 403,
  },
  {
    what: "a session start with a wrong token",
    method: "POST",
    path: "/api/paper_trading/sessions",
    as: "wrong",
    body: session('"name":"x"'),
    status: 401,
  },
  {
    what: "a cross-site backtest form post (Origin)",
    method: "POST",
    path: "/backtests",
    as: "write-cookie",
    headers: { ...FORM_TYPE, origin: "https://evil.example" },
    body: "strategy=ema_cross&data=BTCUSDT-stream.jsonl",
    status: 403,
    says: /cross-site request refused/,
  },
  {
    what: "a cross-site backtest form post (Sec-Fetch-Site)",
    method: "POST",
    path: "/backtests",
    as: "write-cookie",
    headers: { ...FORM_TYPE, "sec-fetch-site": "cross-site" },
    body: "strategy=ema_cross&data=BTCUSDT-stream.jsonl",
    status: 403,
  },
  {
    what: "an upload without a token",
    method: "POST",
    path: "/api/backtests/data?name=x.jsonl",
    as: "none",
    body: "{}",
    status: 401,
  },
  {
    what: "an empty upload",
    method: "POST",
    path: "/api/backtests/data?name=x.jsonl",
    status: 400,
    says: /empty upload/,
  },
  {
    what: "an upload named with '..'",
    method: "POST",
    path: "/api/backtests/data?name=../x.jsonl",
    body: "{}",
    status: 400,
    says: /invalid file name/,
  },
];

const malformed: Case[] = [
  {
    what: "a backtest window past the last JavaScript date",
    method: "POST",
    path: "/api/backtests",
    body: JSON.stringify({
      strategy: "ema_cross",
      data: "BTCUSDT-stream.jsonl",
      from: Number.MAX_SAFE_INTEGER,
      to: 0,
    }),
    status: 400,
    says: /"path":"from"/,
  },
  {
    what: "bad JSON for a session",
    method: "POST",
    path: "/api/paper_trading/sessions",
    body: "{",
    status: 400,
    says: /malformed JSON/,
  },
  {
    what: "a session body that is not UTF-8",
    method: "POST",
    path: "/api/paper_trading/sessions",
    body: new Uint8Array([...new TextEncoder().encode('{"name":"'), 0xff, 0xfe, 0x22, 0x7d]),
    status: 400,
    says: /not UTF-8/,
  },
  {
    what: "bad JSON for a backtest",
    method: "POST",
    path: "/api/backtests",
    body: '{"strategy":',
    status: 400,
    says: /malformed JSON/,
  },
  {
    what: "bad JSON for a strategy",
    method: "POST",
    path: "/api/strategies/validate",
    body: '{"source"',
    status: 400,
    says: /malformed JSON/,
  },
];

const MALFORMED_FORM = /malformed form.*multipart\/form-data with its boundary/;
const forms: Case[] = [
  ["/backtests", "write"],
  ["/login", "none"],
].flatMap(([path, as]) => [
  {
    what: `a broken multipart body on POST ${path}`,
    method: "POST",
    path,
    as: as as As,
    headers: { "content-type": "multipart/form-data; boundary=zz" },
    body: "garbage",
    status: 400,
    says: MALFORMED_FORM,
  },
  {
    what: `a multipart body without a boundary on POST ${path}`,
    method: "POST",
    path,
    as: as as As,
    headers: { "content-type": "multipart/form-data" },
    body: "--zz\r\n\r\n--zz--",
    status: 400,
    says: MALFORMED_FORM,
  },
]);

const integers: Case[] = [
  ...["0x10", "0b11", "0o7", "%2B5", "1e1", "5.0", "%205", "-1", "Infinity"].map((limit): Case => ({
    what: `?limit=${limit}`,
    method: "GET",
    path: `/api/paper_trading/sessions?limit=${limit}`,
    status: 400,
    says: /"path":"limit","message":"'.+' must be an integer from 1 to 500"/,
  })),
  {
    what: "?version=1.0",
    method: "GET",
    path: "/api/strategies/ema_cross?version=1.0",
    status: 400,
    says: /"path":"version"/,
  },
];

const bodiless: Case[] = [
  "/api/risk/resume",
  "/api/paper_trading/sessions/{session}/pause",
  "/api/paper_trading/sessions/{session}/resume",
].map((path) => ({
  what: `a body that is not JSON on POST ${path}, which takes none`,
  method: "POST",
  path,
  body: "not json",
  status: 400,
  says: /malformed JSON/,
}));

Deno.test({
  name: "hostile requests get a 4xx with a message, never a 500 or a server path",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "paper_hostile_" }));
    await Deno.mkdir(`${dir}/recordings/sub`, { recursive: true });
    await writeStream(
      `${dir}/recordings/BTCUSDT-stream.jsonl`,
      simStream({ durationMs: 600_000, seed: 5 }),
    );
    await Deno.writeTextFile(`${dir}/secret.jsonl`, "{}\n");
    await Deno.symlink(`${dir}/secret.jsonl`, `${dir}/recordings/escape.jsonl`);
    const server = await startTestServer({
      env: { DATA_DIR: dir, PAPER_API_TOKEN: TOKEN, PAPER_READ_TOKEN: READ_TOKEN },
      app: { bodyTimeoutMs: 1_000 },
    });
    const send = async (c: Case) => {
      const response = await fetch(
        `${server.url}${c.path.replace("{session}", sessionId)}`,
        {
          method: c.method,
          headers: { ...JSON_TYPE, ...credentials[c.as ?? "write"], ...c.headers },
          body: typeof c.body === "string" ? c.body.replaceAll("{dir}", dir) : c.body,
          redirect: "manual",
          // An answer that never ends (a stream served to the wrong client) fails the case.
          signal: AbortSignal.timeout(30_000),
        },
      );
      const text = await response.text().catch((error) => `(unfinished answer: ${error})`);
      return { status: response.status, text };
    };
    let sessionId = "";
    try {
      const created = await send({
        what: "a session",
        method: "POST",
        path: "/api/paper_trading/sessions",
        body: session('"name":"target"'),
        status: 201,
      });
      assert.equal(created.status, 201, created.text);
      sessionId = JSON.parse(created.text).id;
      await eventually(async () => {
        const read = await send({
          what: "the session",
          method: "GET",
          path: "/api/paper_trading/sessions/{session}",
          status: 200,
        });
        return JSON.parse(read.text).last_price ?? undefined;
      }, { what: "the session's first market price", timeoutMs: 60_000 });

      const table = [
        ...nulIds,
        ...badText,
        ...badStrategies,
        ...badOrders,
        ...badCapital,
        ...builtIns,
        ...paths,
        ...access,
        ...malformed,
        ...forms,
        ...integers,
        ...bodiless,
      ];
      const wrong: string[] = [];
      for (const c of table) {
        const { status, text } = await send(c);
        const problems = [
          status !== c.status ? `status ${status}, expected ${c.status}` : "",
          c.says && !c.says.test(text) ? `body does not say ${c.says}` : "",
          // (echoing a path the request itself sent is no leak)
          text.includes(dir) && !(typeof c.body === "string" && c.body.includes("{dir}"))
            ? "body shows the server path"
            : "",
          /\b(Type|Reference|Range|Syntax)Error\b/.test(text)
            ? "body names a JavaScript error"
            : "",
        ].filter(Boolean);
        if (problems.length > 0) {
          wrong.push(`${c.what}: ${problems.join("; ")}\n    ${text.slice(0, 200)}`);
        }
      }
      assert.deepEqual(wrong, [], `\n${wrong.join("\n")}`);
      const kept = await send({ ...builtIns[0], method: "GET", status: 200 });
      assert.equal(kept.status, 200, `ema_cross is still stored: ${kept.text}`);
      assert.equal(JSON.parse(kept.text).version, 1, "and unchanged");

      // A path outside the directory answers the same whether or not something is there.
      const answer = async (data: string) =>
        (await send({ ...paths[0], body: backtest(data) })).text.replaceAll(
          JSON.stringify(data).slice(1, -1),
          "DATA",
        );
      assert.equal(await answer("../secret.jsonl"), await answer("../missing.jsonl"));
      assert.equal(await answer(`${dir}/secret.jsonl`), await answer(`${dir}/missing.jsonl`));
      assert.equal(await answer("escape.jsonl"), await answer("nothing.jsonl"));

      // None of the refused requests created a job; an allowed one shows its data relative.
      const list = await send({ what: "jobs", method: "GET", path: "/api/backtests", status: 200 });
      assert.equal(JSON.parse(list.text).total, 0, "no backtest job was created");
      const job = await send({
        what: "a backtest",
        method: "POST",
        path: "/api/backtests",
        body: backtest("BTCUSDT-stream.jsonl"),
        status: 201,
      });
      assert.equal(job.status, 201, job.text);
      assert.equal(JSON.parse(job.text).params.data, "BTCUSDT-stream.jsonl");
      assert.ok(!job.text.includes(dir), "the job does not show the server path");

      // Bodies the fetch client cannot send: streamed, lying about their length, trickling.
      const head = (path: string, headers: string) =>
        `POST ${path} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TOKEN}\r\n${headers}`;
      const chunk = new Uint8Array(64 * 1024).fill(0x61);
      const framed = new Uint8Array([
        ...new TextEncoder().encode(`${chunk.length.toString(16)}\r\n`),
        ...chunk,
        ...new TextEncoder().encode("\r\n"),
      ]);
      const hundredMb = function* () {
        for (let i = 0; i < 1600; i++) yield framed;
      };
      const streamed = await rawRequest(
        server.url,
        head(
          "/backtests",
          "content-type: application/x-www-form-urlencoded\r\ntransfer-encoding: chunked",
        ),
        { body: hundredMb(), what: "a 100 MB streamed form body" },
      );
      assert.equal(streamed.status, 413, streamed.body);
      assert.match(streamed.body, /request body larger than 1048576 bytes/);
      assert.ok(
        streamed.sent < 64 * 1024 * 1024,
        `refused while streaming (${streamed.sent} B sent)`,
      );
      const declared = await rawRequest(
        server.url,
        head(
          "/backtests",
          "content-type: application/x-www-form-urlencoded\r\n" +
            "content-length: 104857600",
        ),
        { what: "a form body declaring 100 MB" },
      );
      assert.equal(declared.status, 413, declared.body);
      for (const path of ["/backtests", "/api/paper_trading/sessions"]) {
        const slow = await rawRequest(
          server.url,
          head(path, "content-type: application/json\r\ncontent-length: 100"),
          { body: [new TextEncoder().encode('{"strategy"')], what: `a trickling body on ${path}` },
        );
        assert.equal(slow.status, 408, slow.body);
        assert.match(slow.body, /request body not received within 1 s/);
      }
      // Methods no route serves get the 404 of an unknown route, those a fetch Request cannot be
      // made with (and so a body cannot be read for) included.
      for (const method of ["TRACE", "TRACK", "trace", "PATCH"]) {
        for (const path of ["/static/style.css", "/login", "/api/health"]) {
          const answer = await rawRequest(
            server.url,
            `${method} ${path} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TOKEN}\r\n` +
              "content-length: 4",
            { body: [new TextEncoder().encode("body")], what: `${method} ${path}` },
          );
          assert.equal(answer.status, 404, `${method} ${path}: ${answer.body}`);
          if (path.startsWith("/api/")) {
            assert.match(answer.body, new RegExp(`no route for ${method} ${path}`));
          }
        }
      }
      const connect = await rawRequest(
        server.url,
        `CONNECT 127.0.0.1:9 HTTP/1.1\r\nhost: 127.0.0.1:9\r\nauthorization: Bearer ${TOKEN}`,
        { what: "a CONNECT request" },
      );
      assert.ok(connect.status >= 400 && connect.status < 500, `CONNECT: ${connect.status}`);

      const socket = await rawRequest(
        server.url,
        `GET /api/ws?token=${TOKEN} HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\n` +
          "connection: Upgrade\r\nsec-websocket-version: 13\r\n" +
          "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\norigin: https://evil.example",
        { what: "a cross-site WebSocket upgrade" },
      );
      assert.equal(socket.status, 403, socket.body);
    } finally {
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
