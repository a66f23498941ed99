/**
 * The L2 book end to end: the service follows the local exchange's depth
 * stream, serves the book at `GET /api/market/:symbol/book?depth=N` and pushes
 * it on the `book:SYMBOL` WebSocket topic and draws it on the session page; a
 * simulated feed serves an empty book.
 */
import assert from "node:assert/strict";
import { startFakeBinance } from "./support/fake_binance.ts";
import { eventually, startTestServer } from "./support/server.ts";
import { createSession } from "./support/api.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

Deno.test("book: REST and WebSocket serve the synced book of the exchange's depth stream", async () => {
  const fake = await startFakeBinance();
  fake.setBook("BTCUSDT", 10, [[99, 1], [98, 2], [97, 3]], [[101, 1], [102, 2], [103, 3]]);
  const server = await startTestServer({
    env: { FEED: "binance", BINANCE_WS_URL: fake.wsUrl, BINANCE_REST_URL: fake.restUrl },
  });
  const socket = new WebSocket(server.url.replace("http", "ws") + "/api/ws");
  const messages: Json[] = [];
  socket.onmessage = (event) => messages.push(JSON.parse(event.data));
  try {
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = reject;
    });
    socket.send(JSON.stringify({ op: "subscribe", topics: ["book:BTCUSDT"] }));
    await eventually(() => messages.find((m) => m.type === "subscribed"), {
      what: "the book topic subscription",
    });
    await fake.waitForConnection(1);
    fake.depth("BTCUSDT", { first: 11, final: 11 }, [[99, 0]], [[100.5, 4]]);
    const update = await eventually(
      () => messages.find((m) => m.type === "update" && m.topic === "book:BTCUSDT"),
      { what: "a book update on the WebSocket" },
    );
    assert.equal(update.data.update_id, 11);
    assert.deepEqual(update.data.bids, [[98, 2], [97, 3]]);
    assert.deepEqual(update.data.asks[0], [100.5, 4]);

    const response = await fetch(`${server.url}/api/market/btcusdt/book?depth=2`);
    const book = await response.json();
    assert.equal(response.status, 200);
    assert.deepEqual(book.asks, [[100.5, 4], [101, 1]]);
    assert.deepEqual(book.bids, [[98, 2], [97, 3]]);
    assert.equal(book.symbol, "BTCUSDT");
    assert.equal((await fetch(`${server.url}/api/market/BTCUSDT/book?depth=101`)).status, 400);
    const id = await createSession(server.url);
    const page = await (await fetch(`${server.url}/paper_trading/${id}`)).text();
    assert.equal(page.match(/data-testid="depth-ask"/g)?.length, 4, "four ask levels drawn");
    assert.equal(page.match(/data-testid="depth-bid"/g)?.length, 2, "two bid levels drawn");
    const health = await (await fetch(`${server.url}/api/health`)).json();
    assert.equal(JSON.stringify(health).includes('"book_syncs":1'), true, "one snapshot loaded");
  } finally {
    socket.close();
    await server.stop();
    await fake.close();
  }
});

Deno.test("book: a simulated feed has no book, shown empty with null ids", async () => {
  const server = await startTestServer();
  try {
    const response = await fetch(`${server.url}/api/market/BTCUSDT/book`);
    assert.deepEqual(await response.json(), {
      symbol: "BTCUSDT",
      update_id: null,
      time: null,
      bids: [],
      asks: [],
    });
    assert.equal((await fetch(`${server.url}/api/market/NOPE/book`)).status, 404);
  } finally {
    await server.stop();
  }
});
