/**
 * An HTTP/1.1 proxy that loses answers: it forwards every request to the
 * service, and for the first few that match it closes the client's
 * connection instead of passing the answer on (the request did reach the
 * service; only its answer is lost, as with a timeout or a dropped link).
 */

/** A running proxy: its URL, the requests it saw, and how to stop it. */
export interface LossyProxy {
  readonly url: string;
  /** Method, path and headers of every request forwarded. */
  readonly seen: { method: string; path: string; headers: Headers }[];
  close(): void;
}

const CRLF = "\r\n";

/** Reads one request (head and `content-length` body, as text) from `conn`. */
async function readRequest(conn: Deno.Conn): Promise<{ head: string[]; body: string }> {
  let buffer = new Uint8Array(0);
  const chunk = new Uint8Array(64 * 1024);
  const text = () => new TextDecoder().decode(buffer);
  while (!text().includes(CRLF + CRLF)) {
    const n = await conn.read(chunk);
    if (n === null) throw new Error("connection closed before the request head");
    buffer = new Uint8Array([...buffer, ...chunk.subarray(0, n)]);
  }
  const headEnd = text().indexOf(CRLF + CRLF);
  const head = text().slice(0, headEnd).split(CRLF);
  const length = Number(
    head.find((line) => /^content-length:/i.test(line))?.split(":")[1].trim() ?? 0,
  );
  const start = new TextEncoder().encode(text().slice(0, headEnd + 4)).length;
  while (buffer.length - start < length) {
    const n = await conn.read(chunk);
    if (n === null) throw new Error("connection closed before the request body");
    buffer = new Uint8Array([...buffer, ...chunk.subarray(0, n)]);
  }
  return { head, body: new TextDecoder().decode(buffer.slice(start, start + length)) };
}

/** Starts a proxy to `target` that loses the answers of the first `drop` requests matching `match`. */
export function startLossyProxy(
  target: string,
  options: { drop: number; match: (method: string, path: string) => boolean },
): LossyProxy {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const seen: LossyProxy["seen"] = [];
  let dropped = 0;
  const serve = async (conn: Deno.Conn) => {
    try {
      const { head, body } = await readRequest(conn);
      const [method, path] = head[0].split(" ");
      const headers = new Headers();
      for (const line of head.slice(1)) {
        const i = line.indexOf(":");
        const name = line.slice(0, i).trim().toLowerCase();
        if (name !== "host" && name !== "connection") headers.set(name, line.slice(i + 1).trim());
      }
      seen.push({ method, path, headers });
      const response = await fetch(`${target}${path}`, {
        method,
        headers,
        body: body.length > 0 ? body : undefined,
      });
      const answer = new Uint8Array(await response.arrayBuffer());
      if (options.match(method, path) && dropped < options.drop) {
        dropped++;
        return; // the answer is lost: the connection closes without it
      }
      const lines = [`HTTP/1.1 ${response.status} ${response.statusText}`];
      response.headers.forEach((value, name) => {
        if (!["content-length", "connection", "transfer-encoding"].includes(name)) {
          lines.push(`${name}: ${value}`);
        }
      });
      lines.push(`content-length: ${answer.length}`, "connection: close", "", "");
      await conn.write(new TextEncoder().encode(lines.join(CRLF)));
      await conn.write(answer);
    } catch {
      /* a client that went away */
    } finally {
      try {
        conn.close();
      } catch { /* already closed */ }
    }
  };
  (async () => {
    for await (const conn of listener) serve(conn);
  })().catch(() => {});
  return {
    url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    seen,
    close: () => listener.close(),
  };
}
