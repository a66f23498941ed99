import type { MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";

/** Bounds on reading one request body. */
export interface BodyBounds {
  /** Largest body accepted (bytes); more is refused with 413 as soon as it arrives. */
  readonly maxBytes: number;
  /** Time allowed for the whole body to arrive (ms); a slower body is refused with 408. */
  readonly timeoutMs: number;
}

/**
 * A request body chunk by chunk, never more than `maxBytes` (a larger
 * `content-length` is refused before anything is read) and never for longer
 * than `timeoutMs`, so a huge or trickling body cannot hold memory or a
 * connection. A body broken off (the client went away) is a 400.
 */
export async function* readBody(
  request: Request,
  bounds: BodyBounds,
): AsyncGenerator<Uint8Array<ArrayBuffer>> {
  const tooLarge = () =>
    new HTTPException(413, { message: `request body larger than ${bounds.maxBytes} bytes` });
  if (Number(request.headers.get("content-length") ?? 0) > bounds.maxBytes) throw tooLarge();
  if (!request.body) return;
  const reader = request.body.getReader();
  const deadline = Date.now() + bounds.timeoutMs;
  let size = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    for (;;) {
      const late = new Promise<"late">((resolve) => {
        timer = setTimeout(() => resolve("late"), Math.max(0, deadline - Date.now()));
      });
      const chunk = await Promise.race([
        reader.read().catch(() => {
          throw new HTTPException(400, { message: "request body broken off before its end" });
        }),
        late,
      ]);
      clearTimeout(timer);
      if (chunk === "late") {
        throw new HTTPException(408, {
          message: `request body not received within ${bounds.timeoutMs / 1000} s`,
        });
      }
      if (chunk.done) return;
      size += chunk.value.length;
      if (size > bounds.maxBytes) throw tooLarge();
      yield chunk.value;
    }
  } finally {
    clearTimeout(timer);
    reader.cancel().catch(() => {});
  }
}

// Methods a `Request` cannot be made with (Fetch's forbidden methods). No route serves them: their
// body stays unread and they get the 404 of every method without a route.
const FORBIDDEN_METHOD = /^(CONNECT|TRACE|TRACK)$/i;

/**
 * Reads every request body up front within `bounds` (see {@link readBody}),
 * so handlers and pages only ever see a complete body of bounded size.
 */
export function limitBody(bounds: BodyBounds): MiddlewareHandler {
  return async (c, next) => {
    if (!c.req.raw.body || FORBIDDEN_METHOD.test(c.req.method)) return await next();
    const chunks: Uint8Array<ArrayBuffer>[] = [];
    for await (const chunk of readBody(c.req.raw, bounds)) chunks.push(chunk);
    // A new request from its parts: copying the request itself would copy its abort signal,
    // which Deno warns about (and no handler of a request with a body needs).
    const { url, method, headers } = c.req.raw;
    c.req.raw = new Request(url, { method, headers, body: new Blob(chunks) });
    await next();
  };
}
