/**
 * A real local webhook receiver (Deno.serve on loopback) for the alert tests:
 * it answers as the test says, and records every request with the time it
 * arrived.
 */

/** One request the receiver got, and how it answered. */
export interface ReceivedAlert {
  readonly key: string;
  readonly path: string;
  readonly body: string;
  readonly signature: string | null;
  /** `Date.now()` at arrival. */
  readonly at: number;
  /** The status answered (0 while the answer is pending). */
  status: number;
}

/** How to answer a request: `n` counts the earlier requests to the same path. */
export type Answer = (request: Request, n: number) => Response | Promise<Response>;

/** A running receiver. */
export interface WebhookReceiver {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly requests: ReceivedAlert[];
  /** Requests answered 2xx, per Idempotency-Key: a real receiver deduplicates by it. */
  readonly accepted: Map<string, number>;
  /** The requests to `path`. */
  to(path: string): ReceivedAlert[];
  close(): Promise<void>;
}

/** Starts a receiver that answers with `answer` (default: 200). */
export function startWebhookReceiver(answer: Answer = () => new Response("ok")): WebhookReceiver {
  const requests: ReceivedAlert[] = [];
  const accepted = new Map<string, number>();
  const to = (path: string) => requests.filter((r) => r.path === path);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (r) => {
    const body = await r.text();
    const path = new URL(r.url).pathname;
    const received: ReceivedAlert = {
      key: r.headers.get("idempotency-key") ?? "",
      path,
      body,
      signature: r.headers.get("x-signature-256"),
      at: Date.now(),
      status: 0,
    };
    const n = to(path).length;
    requests.push(received);
    const response = await answer(r, n);
    received.status = response.status;
    if (response.ok) accepted.set(received.key, (accepted.get(received.key) ?? 0) + 1);
    return response;
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    requests,
    accepted,
    to,
    close: () => server.shutdown(),
  };
}
