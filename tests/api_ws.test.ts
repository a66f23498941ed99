import assert from "node:assert/strict";
import { eventually, startTestServer } from "./support/server.ts";
import { createSession } from "./support/api.ts";
import { okxVenueEnv, startFakeOkx } from "./support/fake_okx.ts";
import { SimFeed } from "../engine/runtime/market/sim_feed.ts";
import {
  MAX_SOCKET_MESSAGE_BYTES,
  MAX_SOCKET_TOPICS,
  MAX_SOCKET_WAITING,
} from "../contract/mod.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

/** A WebSocket client that collects every message it receives. */
async function connect(url: string, query = ""): Promise<{ socket: WebSocket; messages: Json[] }> {
  const socket = new WebSocket(url.replace("http", "ws") + "/api/ws" + query);
  const messages: Json[] = [];
  socket.onmessage = (event) => messages.push(JSON.parse(event.data));
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = reject;
  });
  return { socket, messages };
}

/**
 * Sends `frames`, then a ping, and returns the answers that came before the
 * pong (answers come in order; updates and heartbeats left out).
 */
async function answersTo(
  client: { socket: WebSocket; messages: Json[] },
  frames: (string | Uint8Array)[],
): Promise<Json[]> {
  const from = client.messages.length;
  for (const frame of frames) client.socket.send(frame);
  client.socket.send(JSON.stringify({ op: "ping" }));
  await eventually(
    () => client.messages.slice(from).some((m) => m.type === "pong") || undefined,
    { what: "the pong answering the ping after the messages sent", timeoutMs: 30_000 },
  );
  const received = client.messages.slice(from);
  return received.slice(0, received.findIndex((m) => m.type === "pong"))
    .filter((m) => m.type !== "update" && m.type !== "heartbeat");
}

/** A subscription message of `topics`. */
function subscribe(...topics: string[]): string {
  return JSON.stringify({ op: "subscribe", topics });
}

Deno.test("websocket: subscribe to market and session topics, get updates, errors for bad input", async () => {
  const server = await startTestServer();
  const { socket, messages } = await connect(server.url);
  try {
    const id = await createSession(server.url);
    socket.send(JSON.stringify({
      op: "subscribe",
      topics: ["ticker:BTCUSDT", "trades:BTCUSDT", `trading:${id}`, "ticker:NOPEUSDT", "bogus"],
    }));
    const subscribed = await eventually(() => messages.find((m) => m.type === "subscribed"));
    assert.deepEqual(
      subscribed.topics.sort(),
      ["ticker:BTCUSDT", "trades:BTCUSDT", `trading:${id}`].sort(),
    );
    const errors = messages.filter((m) => m.type === "error").map((m) => m.error);
    assert.ok(errors.some((e) => /unknown symbol 'NOPEUSDT'/.test(e)), errors.join());
    assert.ok(errors.some((e) => /unknown topic 'bogus'/.test(e)), errors.join());

    const ticker = await eventually(() =>
      messages.find((m) => m.type === "update" && m.topic === "ticker:BTCUSDT")
    );
    assert.ok(ticker.data.price > 0);
    const trades = await eventually(() =>
      messages.find((m) => m.type === "update" && m.topic === "trades:BTCUSDT")
    );
    assert.equal(trades.data[0].type, "trade");
    const fill = await eventually(
      () =>
        messages.find((m) =>
          m.type === "update" && m.topic === `trading:${id}` && m.data.type === "effect" &&
          m.data.effect.type === "fill"
        ),
      { what: "a durable fill on the session topic", timeoutMs: 30_000 },
    );
    assert.ok(fill.data.seq >= 1);

    socket.send(JSON.stringify({ op: "subscribe", topics: ["sessions"] }));
    await eventually(() =>
      messages.find((m) => m.type === "subscribed" && m.topics.includes("sessions"))
    );
    const second = await (await fetch(`${server.url}/api/paper_trading/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ strategy: "ema_cross", symbol: "ETHUSDT" }),
    })).json();
    const announced = await eventually(() =>
      messages.find((m) => m.type === "update" && m.topic === "sessions")
    );
    assert.equal(announced.data.type, "created");
    assert.equal(announced.data.session.id, second.id);

    socket.send(
      JSON.stringify({ op: "unsubscribe", topics: ["ticker:BTCUSDT", "trades:BTCUSDT"] }),
    );
    await eventually(() => messages.find((m) => m.type === "unsubscribed"));
    socket.send("not json");
    socket.send(JSON.stringify({ op: "dance" }));
    socket.send(JSON.stringify({ op: "ping" }));
    await eventually(() => messages.find((m) => m.type === "pong"));
    assert.ok(messages.some((m) => m.type === "error" && m.error === "malformed JSON"));
    assert.ok(
      messages.some((m) =>
        m.type === "error" && m.error === "invalid message" && m.details[0].path === "op"
      ),
    );
  } finally {
    socket.close();
    await server.stop();
  }
});

Deno.test("websocket: with a token the upgrade needs it", async () => {
  const server = await startTestServer({ env: { PAPER_API_TOKEN: "tok" } });
  try {
    await assert.rejects(connect(server.url), "refused without the token");
    const { socket, messages } = await connect(server.url, "?token=tok");
    socket.send(JSON.stringify({ op: "ping" }));
    await eventually(() => messages.find((m) => m.type === "pong"));
    socket.close();
  } finally {
    await server.stop();
  }
});

Deno.test("websocket: an oversized message, too many topics and an unknown session are refused with error frames", async () => {
  // 64 symbols: 4 market topics each, with `sessions` and `risk` 258 valid topics.
  const symbols = Array.from({ length: 64 }, (_, i) => `S${String(i).padStart(2, "0")}USDT`);
  const server = await startTestServer({
    feed: new SimFeed({ rate: 1 }),
    env: { SYMBOLS: symbols.join(",") },
  });
  const client = await connect(server.url);
  try {
    const big = subscribe("x".repeat(MAX_SOCKET_MESSAGE_BYTES));
    const [tooLarge, ...afterLarge] = await answersTo(client, [big]);
    assert.equal(tooLarge.error, "message too large");
    assert.match(tooLarge.details[0].message, /65,536 bytes/);
    assert.deepEqual(afterLarge, []);

    const ids = Array.from(
      { length: MAX_SOCKET_TOPICS + 1 },
      (_, i) => `trading:${i.toString(16).padStart(8, "0")}-0000-0000-0000-000000000000`,
    );
    assert.deepEqual(await answersTo(client, [subscribe(...ids)]), [{
      type: "error",
      error: "invalid message",
      details: [{ path: "topics", message: `at most ${MAX_SOCKET_TOPICS} topics per message` }],
    }]);

    const ghost = "00000000-0000-4000-8000-000000000000";
    const [unknown, none] = await answersTo(client, [subscribe(`trading:${ghost}`)]);
    assert.equal(unknown.error, `no session with id '${ghost}'`);
    assert.deepEqual(none, { type: "subscribed", topics: [] });

    const all = [
      ...symbols.flatMap((s) =>
        ["ticker", "trades", "market_data", "book"].map((k) => `${k}:${s}`)
      ),
      "sessions",
      "risk",
    ];
    const [first] = await answersTo(client, [subscribe(...all.slice(0, MAX_SOCKET_TOPICS))]);
    assert.equal(first.topics.length, MAX_SOCKET_TOPICS);
    const [full, held] = await answersTo(client, [subscribe(...all.slice(MAX_SOCKET_TOPICS))]);
    assert.equal(
      full.error,
      `'sessions' and the topics after it were not subscribed: a socket holds at most ${MAX_SOCKET_TOPICS} topics (unsubscribe some first)`,
    );
    assert.equal(held.topics.length, MAX_SOCKET_TOPICS);

    const unsubscribe = JSON.stringify({ op: "unsubscribe", topics: ["ticker:S00USDT", "risk"] });
    assert.deepEqual(await answersTo(client, [unsubscribe]), [
      { type: "unsubscribed", topics: ["ticker:S00USDT"] },
    ]);
    const [room] = await answersTo(client, [subscribe("risk")]);
    assert.ok(room.topics.includes("risk"));
  } finally {
    client.socket.close();
    await server.stop();
  }
});

Deno.test("websocket: a message that comes while 256 others wait for their answer is refused", async () => {
  const server = await startTestServer();
  const client = await connect(server.url);
  try {
    // Each message needs a database lookup (an unknown session), so they come faster than answered.
    const sent = MAX_SOCKET_WAITING + 144;
    for (let i = 0; i < sent; i++) {
      client.socket.send(
        subscribe(`trading:${i.toString(16).padStart(8, "0")}-0000-4000-8000-000000000000`),
      );
    }
    const refused = (m: Json) => m.type === "error" && /messages are waiting/.test(m.error);
    await eventually(
      () =>
        client.messages.filter((m) => m.type === "subscribed" || refused(m)).length === sent ||
        undefined,
      { what: `an answer to each of the ${sent} messages`, timeoutMs: 60_000 },
    );
    const error = client.messages.find(refused);
    assert.ok(error, "some messages were refused");
    assert.equal(
      error.error,
      `message refused: ${MAX_SOCKET_WAITING} messages are waiting for their answer`,
    );
    assert.ok(client.messages.filter((m) => m.type === "subscribed").length >= MAX_SOCKET_WAITING);
    assert.deepEqual(await answersTo(client, []), [], "the socket answers again");
  } finally {
    client.socket.close();
    await server.stop();
  }
});

Deno.test("websocket: every malformed message gets one error frame and the socket goes on", async () => {
  const server = await startTestServer();
  const client = await connect(server.url);
  try {
    const deep = `{"op":"subscribe","topics":${"[".repeat(20_000)}${"]".repeat(20_000)}}`;
    const cases: [string | Uint8Array, string, string?][] = [
      ["not json", "malformed JSON"],
      ["null", "invalid message", "Invalid input: expected object, received null"],
      ["5", "invalid message", "Invalid input: expected object, received number"],
      ["[]", "invalid message", "Invalid input: expected object, received array"],
      ['{"op":"dance"}', "invalid message"],
      ['{"topics":[]}', "invalid message", "required"],
      ['{"op":"subscribe"}', "invalid message", "required (expected array)"],
      ['{"op":"subscribe","topics":"ticker:BTCUSDT"}', "invalid message"],
      ['{"op":"unsubscribe","topics":[1]}', "invalid message"],
      [
        deep,
        "JSON nested too deeply",
        "arrays and objects nest 20,001 levels deep; the limit is 128",
      ],
      ['{"op":"subscribe","topics":["a\\u0000"]}', "invalid text in request"],
      [new Uint8Array([123, 125]), "expected a JSON text frame"],
    ];
    for (const [frame, error, detail] of cases) {
      const what = typeof frame === "string" ? frame.slice(0, 40) : "a binary frame";
      const answers = await answersTo(client, [frame]);
      assert.equal(answers.length, 1, `one answer to ${what}: ${JSON.stringify(answers)}`);
      assert.equal(answers[0].type, "error", what);
      assert.equal(answers[0].error, error, what);
      if (detail) assert.equal(answers[0].details[0].message, detail, what);
      assert.doesNotMatch(JSON.stringify(answers[0]), /TypeError|RangeError|SyntaxError/, what);
    }
  } finally {
    client.socket.close();
    await server.stop();
  }
});

Deno.test({
  name: "websocket: every documented topic can be subscribed, venue symbols and risk included",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const fake = await startFakeOkx();
    const server = await startTestServer({ env: okxVenueEnv(fake) });
    const client = await connect(server.url);
    try {
      const venue = ["ticker", "trades", "market_data", "book"].map((k) => `${k}:OKX:BTC/USDT`);
      const topics = [...venue, "market_data:BTCUSDT", "book:BTCUSDT", "sessions", "risk"];
      const answers = await answersTo(client, [subscribe(...topics)]);
      assert.deepEqual(answers.map((m) => m.type), ["subscribed"], JSON.stringify(answers));
      assert.deepEqual([...answers[0].topics].sort(), [...topics].sort());

      const update = (topic: string, match: (data: Json) => boolean) =>
        eventually(
          () =>
            client.messages.find((m) => m.type === "update" && m.topic === topic && match(m.data)),
          { what: `an update on ${topic}`, timeoutMs: 20_000 },
        );
      await fake.waitForSubscription("BTC-USDT");
      fake.trades("BTC-USDT", [{ id: 1, px: 101.5, sz: 0.5 }]);
      await update("trades:OKX:BTC/USDT", (data) => data.some((e: Json) => e.type === "trade"));
      await update("ticker:OKX:BTC/USDT", (data) => data?.price === 101.5);
      await fake.waitForSubscription("BTC-USDT", "books");
      fake.book("BTC-USDT", "snapshot", { seqId: 5, prevSeqId: -1 }, [[101.4, 2]], [[101.6, 3]]);
      const book = await update("book:OKX:BTC/USDT", (data) => data.update_id === 5);
      assert.deepEqual([book.data.bids, book.data.asks], [[[101.4, 2]], [[101.6, 3]]]);
      await update("market_data:BTCUSDT", () => true);

      const limits = await fetch(`${server.url}/api/risk`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ max_position_notional: 1_000_000 }),
      });
      assert.equal(limits.status, 200, await limits.text());
      await update("risk", (data) => data.type === "account");
    } finally {
      client.socket.close();
      await server.stop();
      await fake.close();
    }
  },
});
