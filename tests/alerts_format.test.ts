import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { parseWebhookTarget, redactWebhookTarget, type WebhookTarget } from "../contract/mod.ts";
import { sessionInputSchema } from "../contract/schemas.ts";
import { ConfigError, loadConfig } from "../engine/runtime/config.ts";
import { renderAlert, signAlert } from "../engine/runtime/alerts/mod.ts";
import { postAlert } from "../engine/runtime/alerts/post.ts";

const FILL = {
  key: "fill:s-1:7",
  kind: "fill",
  session_id: "0123456789abcdef",
  time: Date.UTC(2026, 0, 2, 3, 4, 5),
  data: {
    fill: {
      id: "f1",
      order_id: "o1",
      symbol: "BTCUSDT",
      side: "buy",
      price: 50_000,
      quantity: 0.002,
      fee: 0.1,
      liquidity: "taker",
      slippage: 0,
      time: 0,
      tag: "manual",
    },
    position: { symbol: "BTCUSDT", quantity: 0.002 },
  },
};

function target(text: string): WebhookTarget {
  const parsed = parseWebhookTarget(text);
  assert.equal(typeof parsed, "object", `${text} parses: ${parsed}`);
  return parsed as WebhookTarget;
}

Deno.test("targets: [FORMAT:]URL, http or https only, bounded, telegram names its chat", () => {
  assert.equal(target("https://example.com/hook").format, "json");
  assert.equal(target("slack:https://hooks.slack.com/services/T/B/X").format, "slack");
  assert.equal(target("DISCORD:https://discord.com/api/webhooks/1/abc").format, "discord");
  assert.equal(
    target("telegram:https://api.telegram.org/bot1:x/sendMessage?chat_id=42").format,
    "telegram",
  );
  for (
    const [bad, why] of [
      ["ftp://example.com/x", /http or https/],
      ["file:///etc/passwd", /http or https/],
      ["slack:ftp://example.com", /http or https/],
      ["javascript:alert(1)", /http or https/],
      ["not a url", /no spaces/],
      ["teams:https://example.com", /http or https/],
      ["https://" + "a".repeat(2050), /at most 2048/],
      ["telegram:https://api.telegram.org/bot1:x/sendMessage", /chat/],
    ] as const
  ) {
    const parsed = parseWebhookTarget(bad);
    assert.equal(typeof parsed, "string", `${bad} refused`);
    assert.match(parsed as string, why);
  }
  assert.equal(
    redactWebhookTarget("slack:https://hooks.slack.com/services/T/B/SECRET"),
    "slack:https://hooks.slack.com/…",
  );
  assert.equal(redactWebhookTarget("http://127.0.0.1:9/"), "json:http://127.0.0.1:9");
});

Deno.test("a session body's webhooks are validated: at most 5, each a valid target", () => {
  const base = { strategy: "ema_cross", symbol: "BTCUSDT" };
  assert.ok(sessionInputSchema.safeParse({ ...base, webhooks: ["https://a.example/h"] }).success);
  const ftp = sessionInputSchema.safeParse({ ...base, webhooks: ["ftp://a.example/h"] });
  assert.ok(!ftp.success);
  assert.match(ftp.error.issues[0].message, /http or https/);
  assert.deepEqual(ftp.error.issues[0].path, ["webhooks", 0]);
  const many = Array.from({ length: 6 }, (_, i) => `https://a.example/${i}`);
  assert.ok(!sessionInputSchema.safeParse({ ...base, webhooks: many }).success);
});

Deno.test("WEBHOOK_* configuration: targets checked without showing them, defaults", () => {
  const config = loadConfig({ WEBHOOK_URLS: " https://a.example/h , slack:https://b.example/x " });
  assert.deepEqual(config.webhooks.urls, ["https://a.example/h", "slack:https://b.example/x"]);
  assert.equal(config.webhooks.allowSessionTargets, false);
  assert.equal(config.webhooks.timeoutMs, 5000);
  assert.ok(config.webhooks.events.includes("risk_state"));
  assert.throws(
    () => loadConfig({ WEBHOOK_URLS: "https://a.example/h,ftp://secret-token@b.example" }),
    (error: Error) =>
      error instanceof ConfigError && /WEBHOOK_URLS/.test(error.message) &&
      !error.message.includes("secret-token"),
  );
  assert.throws(() => loadConfig({ WEBHOOK_EVENTS: "fill,nope" }), /WEBHOOK_EVENTS/);
  assert.throws(() => loadConfig({ WEBHOOK_ALLOW_SESSION_TARGETS: "yes" }), /true or false/);
  assert.deepEqual(loadConfig({ WEBHOOK_EVENTS: "fill, ROUND_TRIP" }).webhooks.events, [
    "fill",
    "round_trip",
  ]);
});

Deno.test("bodies: generic JSON, Slack, Discord and Telegram shapes", () => {
  const json = JSON.parse(renderAlert(FILL, target("https://example.com/h")));
  assert.deepEqual(Object.keys(json).sort(), ["data", "id", "kind", "session_id", "text", "time"]);
  assert.equal(json.id, FILL.key);
  assert.equal(json.kind, "fill");
  assert.equal(json.time, "2026-01-02T03:04:05.000Z");
  assert.deepEqual(json.data, FILL.data);
  assert.equal(json.text, "Fill: buy 0.002 BTCUSDT @ 50000, fee 0.1 [manual] (session 01234567)");

  const slack = JSON.parse(renderAlert(FILL, target("slack:https://hooks.slack.com/x")));
  assert.deepEqual(Object.keys(slack), ["text"]);
  assert.equal(slack.text, json.text);
  const escaped = JSON.parse(renderAlert(
    { ...FILL, kind: "session_failed", data: { error: "<!channel> & co" } },
    target("slack:https://hooks.slack.com/x"),
  ));
  assert.match(escaped.text, /&lt;!channel&gt; &amp; co/);

  const discord = JSON.parse(renderAlert(FILL, target("discord:https://discord.com/api/x")));
  assert.deepEqual(discord, { content: json.text, allowed_mentions: { parse: [] } });
  const long = JSON.parse(renderAlert(
    { ...FILL, kind: "session_failed", data: { error: "x".repeat(5000) } },
    target("discord:https://discord.com/api/x"),
  ));
  assert.equal(long.content.length, 2000);

  const telegram = JSON.parse(
    renderAlert(FILL, target("telegram:https://api.telegram.org/botT/sendMessage?chat_id=-100")),
  );
  assert.deepEqual(telegram, {
    chat_id: "-100",
    text: json.text,
    disable_web_page_preview: true,
  });
});

Deno.test("the signature is the hex HMAC-SHA256 of the exact body", async () => {
  const body = renderAlert(FILL, target("https://example.com/h"));
  const expected = createHmac("sha256", "s3cret").update(body).digest("hex");
  assert.equal(await signAlert("s3cret", body), `sha256=${expected}`);
  assert.notEqual(await signAlert("other", body), `sha256=${expected}`);
});

Deno.test("hostile targets: redirects not followed, slow ones time out, huge answers not read", async () => {
  let redirects = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/loop") {
      redirects++;
      return new Response(null, { status: 302, headers: { location: "/loop" } });
    }
    if (path === "/slow") {
      // Answers only once the client has given up.
      return new Promise<Response>((resolve) =>
        request.signal.addEventListener("abort", () => resolve(new Response(null)))
      );
    }
    if (path === "/huge") {
      // An endless body: reading it would never end.
      const chunk = new Uint8Array(64 * 1024);
      return new Response(new ReadableStream({ pull: (c) => c.enqueue(chunk) }));
    }
    return new Response("no", { status: 500 });
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  const options = { headers: {}, timeoutMs: 500 };
  try {
    const loop = await postAlert(new URL(`${base}/loop`), "{}", options);
    assert.match(loop!.error, /HTTP 302: redirects are not followed/);
    assert.equal(redirects, 1, "one request, no redirect followed");

    const started = performance.now();
    assert.match(
      (await postAlert(new URL(`${base}/slow`), "{}", options))!.error,
      /no answer within/,
    );
    assert.ok(performance.now() - started < 10_000, "the slow target cost about its timeout");

    assert.equal(await postAlert(new URL(`${base}/huge`), "{}", options), undefined);
    assert.deepEqual(await postAlert(new URL(`${base}/fail`), "{}", options), {
      error: "HTTP 500",
      status: 500,
    });

    const refused = (await postAlert(new URL("http://127.0.0.1:9/tok3n?x=secret"), "{}", options))!
      .error;
    assert.match(refused, /request failed/);
    assert.ok(!refused.includes("tok3n") && !refused.includes("secret"), refused);
  } finally {
    await server.shutdown();
  }
});
