import assert from "node:assert/strict";
import { eventually, startTestServer } from "./support/server.ts";
import { createSession } from "./support/api.ts";

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
    assert.ok(messages.some((m) => m.type === "error" && /unknown op 'dance'/.test(m.error)));
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
