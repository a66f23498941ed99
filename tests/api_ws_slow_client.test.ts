import { sessionInputSchema } from "../contract/schemas.ts";
import assert from "node:assert/strict";
import { eventually, startTestServer } from "./support/server.ts";

/** Sends a masked client text frame (clients must mask). */
function textFrame(text: string): Uint8Array {
  const payload = new TextEncoder().encode(text);
  assert.ok(payload.length < 126);
  const mask = [1, 2, 3, 4];
  const frame = new Uint8Array(6 + payload.length);
  frame.set([0x81, 0x80 | payload.length, ...mask]);
  payload.forEach((byte, i) => frame[6 + i] = byte ^ mask[i % 4]);
  return frame;
}

Deno.test("websocket: a client that stops reading is disconnected with 1008 instead of growing memory", async () => {
  const server = await startTestServer();
  const port = Number(new URL(server.url).port);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const { id } = await server.service.sessions.create(sessionInputSchema.parse({
      strategy: "ema_cross_fast",
      symbol: "BTCUSDT",
    }));
    await conn.write(new TextEncoder().encode(
      "GET /api/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    ));
    await conn.write(textFrame(JSON.stringify({ op: "subscribe", topics: [`trading:${id}`] })));
    // The client never reads. Flood its topic until the server gives up on it.
    const big = { type: "status", status: "running", padding: "x".repeat(256 * 1024) };
    let published = 0;
    await eventually(async () => {
      for (let i = 0; i < 8; i++, published++) server.service.live.publish(`trading:${id}`, big);
      await new Promise((resolve) => setTimeout(resolve, 20));
      return published >= 400 || undefined;
    }, { what: "the flood" });

    // Now read what the server sent: the stream must end with a close frame carrying 1008.
    const buffer = new Uint8Array(1 << 20);
    let tail = new Uint8Array(0);
    let closeCode: number | undefined;
    const deadline = Date.now() + 20_000;
    while (closeCode === undefined && Date.now() < deadline) {
      const n = await conn.read(buffer);
      if (n === null) break;
      tail = new Uint8Array([...tail.slice(-256), ...buffer.subarray(0, n)]);
      for (let i = 0; i + 3 < tail.length; i++) {
        if (tail[i] === 0x88 && tail[i + 1] < 126 && tail[i + 2] === 0x03 && tail[i + 3] === 0xf0) {
          closeCode = 1008;
        }
      }
    }
    assert.equal(closeCode, 1008, "closed with 1008 (policy violation: too slow)");
    assert.ok(
      published * 256 * 1024 > 4 * 1024 * 1024,
      "more was published than the buffer allows",
    );
  } finally {
    conn.close();
    await server.stop();
  }
});
