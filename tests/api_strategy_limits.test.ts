import assert from "node:assert/strict";
import { loadConfig } from "../engine/runtime/config.ts";
import { startService } from "../engine/runtime/service.ts";
import { validateRequest } from "../engine/runtime/strategy_validation.ts";
import { createApp } from "../routes/app.ts";
import {
  chainStrategy,
  chainYaml,
  deepExpression,
  deepJson,
  largeYaml,
  strategyWith,
} from "../fixtures/strategy_documents.ts";

const service = await startService(loadConfig({ FEED: "sim", DEMO_SESSION: "false" }), {
  memoryDb: true,
});
const app = createApp(service);
const JSON_TYPE = { "content-type": "application/json" };
const YAML_TYPE = { "content-type": "application/yaml" };

async function call(
  path: string,
  body: string,
  headers: Record<string, string> = JSON_TYPE,
): Promise<
  { status: number; body: { error?: string; details?: { path: string; message: string }[] } }
> {
  const response = await app.request(path, { method: "POST", headers, body });
  return { status: response.status, body: await response.json() };
}

const SESSIONS = "/api/paper_trading/sessions";
const session = (strategy: unknown) => JSON.stringify({ strategy, symbol: "BTCUSDT" });
const costly = strategyWith(
  Object.fromEntries(
    Array.from({ length: 25 }, (_, i) => [`s${i}`, { type: "SMA", period: 5000 }]),
  ),
  { gt: ["s0", 0] },
);

/** Hostile strategy documents → the status and the message every route answers with. */
const HOSTILE: [string, string, string, Record<string, string>, number, RegExp][] = [
  [
    "a 100,000-deep strategy object",
    SESSIONS,
    `{"symbol":"BTCUSDT","strategy":${deepJson(100_000)}}`,
    JSON_TYPE,
    400,
    /^arrays and objects nest 100,001 levels deep; the limit is 128$/,
  ],
  [
    "a 5000-deep expression",
    SESSIONS,
    session(strategyWith({}, { gt: [deepExpression(5000), 0] })),
    JSON_TYPE,
    400,
    /^arrays and objects nest 10,005 levels deep; the limit is 128$/,
  ],
  [
    "a 5000-deep expression in YAML text",
    SESSIONS,
    session(JSON.stringify(strategyWith({}, { gt: [deepExpression(5000), 0] }))),
    JSON_TYPE,
    422,
    /^the document nests more than 100 levels of mappings and lists/,
  ],
  [
    "a 40-deep expression",
    SESSIONS,
    session(strategyWith({}, { gt: [deepExpression(40), 0] })),
    JSON_TYPE,
    422,
    /^conditions and expressions nest 41 levels deep; the limit is 32$/,
  ],
  [
    "a 3000-link chain",
    "/api/strategies",
    chainYaml(3000),
    YAML_TYPE,
    422,
    /^the document is 1\d\d,\d{3} bytes; the limit is 65,536 bytes$/,
  ],
  [
    "a 1000-link chain",
    "/api/strategies/validate",
    chainYaml(1000),
    YAML_TYPE,
    422,
    /^1,000 indicators; the limit is 256$/,
  ],
  [
    "a 33-link chain",
    "/api/strategies",
    JSON.stringify({ document: chainStrategy(33) }),
    JSON_TYPE,
    422,
    /^a chain of 33 indicators, each reading the next .*; the limit is 32$/,
  ],
  [
    "25 SMA(5000)",
    SESSIONS,
    session(costly),
    JSON_TYPE,
    422,
    /^the indicators cost 125,000 .*; the limit is 100,000$/,
  ],
  [
    "a 100,000-deep document to validate",
    "/api/strategies/validate",
    `{"document":${deepJson(100_000)}}`,
    JSON_TYPE,
    400,
    /^arrays and objects nest 100,001 levels deep; the limit is 128$/,
  ],
];

Deno.test("hostile strategy documents get a 4xx with the limit and the value", async () => {
  for (const [what, path, body, headers, status, message] of HOSTILE) {
    const r = await call(path, body, headers);
    assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body).slice(0, 300)}`);
    const messages = path.endsWith("/validate") && status === 422
      ? (r.body as { errors: { message: string }[] }).errors.map((e) => e.message)
      : r.body.details!.map((d) => d.message);
    assert.ok(messages.some((m) => message.test(m)), `${what}: ${JSON.stringify(messages)}`);
  }
});

Deno.test("the main thread keeps serving timers while large documents are validated", async () => {
  const document = largeYaml();
  const inline: number[] = [];
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    assert.ok(validateRequest({ document }).ok, "the large document is valid");
    inline.push(performance.now() - start);
  }
  const oneInline = inline.sort((a, b) => a - b)[1];
  assert.equal((await call("/api/strategies/validate", document, YAML_TYPE)).status, 200);

  // Gaps between the ticks of a 2 ms timer. A shared machine stalls any process
  // now and then, so the test looks at the 90th percentile, not the worst gap;
  // validating on the main thread makes most gaps as long as one validation.
  const gaps: number[] = [];
  let last = performance.now();
  const tick = () => {
    const now = performance.now();
    gaps.push(now - last);
    last = now;
  };
  const timer = setInterval(tick, 2);
  try {
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => call("/api/strategies/validate", document, YAML_TYPE)),
    );
    assert.deepEqual(answers.map((a) => a.status), Array(8).fill(200));
  } finally {
    clearInterval(timer);
    tick();
  }
  const p90 = gaps.sort((a, b) => a - b)[Math.floor(gaps.length * 0.9)];
  assert.ok(
    p90 < oneInline / 2,
    `the 90th percentile of ${gaps.length} timer gaps (${p90.toFixed(1)} ms) is under half ` +
      `of one validation on the main thread (${oneInline.toFixed(1)} ms)`,
  );
});

Deno.test({
  name: "close the service",
  fn: () => service.close(),
  sanitizeOps: false,
  sanitizeResources: false,
});
