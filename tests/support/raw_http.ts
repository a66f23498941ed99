/**
 * HTTP/1.1 over a bare TCP connection, for requests fetch cannot make: a body
 * that lies about its length or trickles, a chunked body that never ends, a
 * WebSocket upgrade with a foreign Origin.
 */

/** The answer to a raw request, and how many body bytes were sent before it came. */
export interface RawAnswer {
  readonly status: number;
  readonly headers: string;
  readonly body: string;
  /** Body bytes written before the answer arrived (or writing failed). */
  readonly sent: number;
}

/**
 * Sends `head` (request line and headers, without the blank line) and then
 * `body` chunk by chunk, stopping as soon as the server answers; resolves to
 * the answer's status, headers and (content-length) body. Rejects, naming
 * `what`, when no answer comes within `timeoutMs`.
 */
export async function rawRequest(
  url: string,
  head: string,
  options: { body?: Iterable<Uint8Array>; timeoutMs?: number; what?: string } = {},
): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  const timeoutMs = options.timeoutMs ?? 60_000;
  let failed: Error | undefined;
  const timer = setTimeout(() => {
    failed = new Error(
      `no answer within ${timeoutMs} ms to ${options.what ?? head.split("\r\n")[0]}`,
    );
    conn.close();
  }, timeoutMs);
  let answered = false;
  let sent = 0;
  try {
    await conn.write(new TextEncoder().encode(`${head}\r\n\r\n`));
    const writing = (async () => {
      for (const chunk of options.body ?? []) {
        if (answered) return;
        await conn.write(chunk);
        sent += chunk.length;
      }
    })().catch(() => {}); // the server may close before the whole body is sent
    let received = new Uint8Array(0);
    const buffer = new Uint8Array(64 * 1024);
    const text = () => new TextDecoder().decode(received);
    const complete = () => {
      const end = text().indexOf("\r\n\r\n");
      if (end < 0) return false;
      const length = Number(/^content-length: *(\d+)/im.exec(text().slice(0, end))?.[1] ?? 0);
      return received.length >= new TextEncoder().encode(text().slice(0, end + 4)).length + length;
    };
    while (!complete()) {
      const n = await conn.read(buffer).catch((error) => {
        throw failed ?? error;
      });
      if (n === null) break;
      answered = true;
      const next = new Uint8Array(received.length + n);
      next.set(received);
      next.set(buffer.subarray(0, n), received.length);
      received = next;
    }
    if (failed) throw failed;
    answered = true;
    await Promise.race([writing, Promise.resolve()]);
    const all = text();
    const end = all.indexOf("\r\n\r\n");
    if (end < 0) throw new Error(`no complete answer to ${options.what ?? head}: '${all}'`);
    return {
      status: Number(/^HTTP\/1\.1 (\d{3})/.exec(all)?.[1] ?? 0),
      headers: all.slice(0, end),
      body: all.slice(end + 4),
      sent,
    };
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* closed by the timer or the server */ }
  }
}
