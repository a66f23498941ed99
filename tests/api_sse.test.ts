import assert from "node:assert/strict";
import { startTestServer } from "./support/server.ts";
import { createSession } from "./support/api.ts";

Deno.test("SSE stream of a session: its summary first, then durable fills and views", async () => {
  const server = await startTestServer();
  const controller = new AbortController();
  try {
    const id = await createSession(server.url);
    const missing = await fetch(`${server.url}/api/paper_trading/sessions/nope/stream`);
    assert.equal(missing.status, 404);
    await missing.body?.cancel();

    const response = await fetch(`${server.url}/api/paper_trading/sessions/${id}/stream`, {
      signal: controller.signal,
    });
    assert.equal(response.headers.get("content-type"), "text/event-stream");
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    // deno-lint-ignore no-explicit-any
    const events: { event: string; data: any }[] = [];
    let buffer = "";
    const deadline = Date.now() + 30_000;
    while (!events.some((e) => e.event === "effect" && e.data.effect.type === "fill")) {
      assert.ok(Date.now() < deadline, "a fill arrives on the stream within 30 s");
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      const parts = buffer.split("\n\n");
      buffer = parts.pop()!;
      for (const part of parts) {
        const event = /^event: (.*)$/m.exec(part)?.[1] ?? "message";
        const data = /^data: (.*)$/m.exec(part)?.[1];
        if (data) events.push({ event, data: JSON.parse(data) });
      }
    }
    assert.equal(events[0].event, "session");
    assert.equal(events[0].data.id, id);
    assert.ok(events.some((e) => e.event === "view" && e.data.view.equity > 0));
    const fill = events.find((e) => e.event === "effect" && e.data.effect.type === "fill")!;
    const trades = await (await fetch(`${server.url}/api/paper_trading/sessions/${id}/trades`))
      .json();
    assert.ok(
      trades.items.some((f: { id: string }) => f.id === fill.data.effect.fill.id),
      "a fill shown on the stream is already in the durable history",
    );
    await reader.cancel();
  } finally {
    controller.abort();
    await server.stop();
  }
});
