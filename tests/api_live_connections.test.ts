import assert from "node:assert/strict";
import { eventually, startTestServer } from "./support/server.ts";
import { createSession } from "./support/api.ts";
import { rawRequest } from "./support/raw_http.ts";

/** How long any one wait in these tests may take. */
const WAIT_MS = 30_000;

/** The refusal at MAX_LIVE_CONNECTIONS=2. */
const REFUSED =
  /^this node holds its maximum of 2 live connections \(.*MAX_LIVE_CONNECTIONS\); try again later$/;

/** The live connections `GET /api/health` shows. */
async function held(url: string): Promise<{ open: number; max: number }> {
  const response = await fetch(`${url}/api/health`);
  assert.equal(response.status, 200, "the health check answers");
  return (await response.json()).live_connections;
}

/** Waits until the health check shows `open` live connections, naming `what` on time-out. */
async function untilHeld(url: string, open: number, what: string): Promise<void> {
  await eventually(async () => (await held(url)).open === open || undefined, {
    what: `${what} (health showing ${open} live connections)`,
    timeoutMs: WAIT_MS,
  });
}

/** A WebSocket to `/api/ws`, once open. */
async function openSocket(url: string): Promise<WebSocket> {
  const socket = new WebSocket(url.replace("http", "ws") + "/api/ws");
  let state: "open" | "failed" | undefined;
  socket.onopen = () => state = "open";
  socket.onerror = () => state = "failed";
  await eventually(() => state, { what: "the WebSocket to open or fail", timeoutMs: WAIT_MS });
  assert.equal(state, "open", "the WebSocket opened");
  return socket;
}

/** Closes a WebSocket and waits for its close. */
async function closeSocket(socket: WebSocket): Promise<void> {
  let closed = socket.readyState === WebSocket.CLOSED;
  socket.onclose = () => closed = true;
  socket.close();
  await eventually(() => closed || undefined, {
    what: "the WebSocket's close",
    timeoutMs: WAIT_MS,
  });
}

/** An SSE stream held open by a client reading it. */
interface Stream {
  /** Ends the stream from the client side. */
  close(): Promise<void>;
}

/** The SSE stream of a session, read (like a client would) until closed, once its first event came. */
async function openStream(url: string, id: string): Promise<Stream> {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new Error(`no answer within ${WAIT_MS} ms to the SSE request`)),
    WAIT_MS,
  );
  const response = await fetch(`${url}/api/paper_trading/sessions/${id}/stream`, {
    signal: controller.signal,
  }).finally(() => clearTimeout(timer));
  assert.equal(response.status, 200, "the SSE stream is accepted");
  assert.equal(response.headers.get("content-type"), "text/event-stream");
  let text = "";
  const reading = (async () => {
    for await (const chunk of response.body!.pipeThrough(new TextDecoderStream())) text += chunk;
  })().catch(() => {}); // ends when the client aborts
  await eventually(() => text.includes("event: session") || undefined, {
    what: "the stream's first event",
    timeoutMs: WAIT_MS,
  });
  return {
    async close() {
      controller.abort();
      await reading;
    },
  };
}

/** A WebSocket upgrade request's head, for {@link rawRequest}. */
function upgradeHead(url: string): string {
  return `GET /api/ws HTTP/1.1\r\nhost: ${new URL(url).host}\r\nupgrade: websocket\r\n` +
    "connection: Upgrade\r\nsec-websocket-version: 13\r\n" +
    "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==";
}

Deno.test("live connections: WebSockets and SSE streams share MAX_LIVE_CONNECTIONS; more are refused with 503 until one closes", async () => {
  const server = await startTestServer({ env: { MAX_LIVE_CONNECTIONS: "2" } });
  const sockets: WebSocket[] = [];
  const streams: Stream[] = [];
  try {
    const id = await createSession(server.url);
    assert.deepEqual(await held(server.url), { open: 0, max: 2 });

    // Requests that are not live connections take no place.
    const plain = await fetch(`${server.url}/api/ws`);
    assert.equal(plain.status, 404, "a GET of /api/ws without an upgrade is not a socket");
    await plain.body?.cancel();
    const missing = await fetch(`${server.url}/api/paper_trading/sessions/nope/stream`);
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
    assert.deepEqual(await held(server.url), { open: 0, max: 2 });

    sockets.push(await openSocket(server.url));
    streams.push(await openStream(server.url, id));
    assert.deepEqual(await held(server.url), { open: 2, max: 2 }, "one WebSocket and one stream");

    // At the cap a third, WebSocket or SSE stream, is refused before upgrading or streaming.
    const socketRefused = await rawRequest(server.url, upgradeHead(server.url), {
      what: "a third WebSocket upgrade",
      timeoutMs: WAIT_MS,
    });
    assert.equal(socketRefused.status, 503, socketRefused.headers);
    assert.match(socketRefused.headers, /^content-type: application\/json/im);
    const socketBody = JSON.parse(socketRefused.body);
    assert.match(socketBody.error, REFUSED);
    assert.deepEqual(socketBody.details, []);

    const streamRefused = await fetch(`${server.url}/api/paper_trading/sessions/${id}/stream`);
    assert.equal(streamRefused.status, 503);
    assert.match(streamRefused.headers.get("content-type") ?? "", /^application\/json/);
    const streamBody = await streamRefused.json();
    assert.match(streamBody.error, REFUSED);
    assert.deepEqual(streamBody.details, []);
    assert.deepEqual(await held(server.url), { open: 2, max: 2 }, "refusals take no place");

    // A closed WebSocket gives its place back: the next is accepted, and the one after refused.
    await closeSocket(sockets.shift()!);
    await untilHeld(server.url, 1, "the closed WebSocket's place to be given back");
    sockets.push(await openSocket(server.url));
    const refusedAgain = await fetch(`${server.url}/api/paper_trading/sessions/${id}/stream`);
    assert.equal(refusedAgain.status, 503, "at the cap again");
    await refusedAgain.body?.cancel();

    // So does a stream the client ends.
    await streams.shift()!.close();
    await untilHeld(server.url, 1, "the ended SSE stream's place to be given back");
    streams.push(await openStream(server.url, id));
    assert.deepEqual(await held(server.url), { open: 2, max: 2 });

    for (const socket of sockets.splice(0)) await closeSocket(socket);
    for (const stream of streams.splice(0)) await stream.close();
    await untilHeld(server.url, 0, "every place to be given back after all clients left");
  } finally {
    for (const socket of sockets) socket.close();
    for (const stream of streams) await stream.close();
    await server.stop();
  }
});

Deno.test("live connections: a client that drops its connection without closing gives its place back", async () => {
  const server = await startTestServer({ env: { MAX_LIVE_CONNECTIONS: "2" } });
  try {
    const id = await createSession(server.url);
    const { host } = new URL(server.url);
    // Each raw request drops its TCP connection as soon as the answer's head arrived.
    const socket = await rawRequest(server.url, upgradeHead(server.url), {
      what: "a WebSocket upgrade dropped after its answer",
      timeoutMs: WAIT_MS,
    });
    assert.equal(socket.status, 101, "upgraded");
    const stream = await rawRequest(
      server.url,
      `GET /api/paper_trading/sessions/${id}/stream HTTP/1.1\r\nhost: ${host}`,
      { what: "an SSE stream dropped after its answer began", timeoutMs: WAIT_MS },
    );
    assert.equal(stream.status, 200, "streaming");
    await untilHeld(server.url, 0, "the dropped WebSocket's and stream's places to be given back");

    // Both places are free again.
    const sockets = [await openSocket(server.url), await openSocket(server.url)];
    for (const open of sockets) await closeSocket(open);
    await untilHeld(server.url, 0, "the closed WebSockets' places to be given back");
  } finally {
    await server.stop();
  }
});
