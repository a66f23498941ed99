import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { RECORD_LIMIT, tradingTopic } from "../../contract/mod.ts";
import { OPERATIONS } from "../../contract/operations.ts";
import { idempotencyKey } from "../../engine/runtime/idempotency.ts";
import type { Service } from "../../engine/runtime/service.ts";
import { fillsCsv } from "./csv.ts";
import { operations } from "./operation.ts";

/** `/api/paper_trading/sessions`: create, list, inspect and control sessions. */
export function sessionRoutes(
  service: Pick<Service, "sessions" | "records" | "live" | "risk" | "connections">,
): Hono {
  const { sessions, records } = service;
  const app = new Hono();
  const on = operations(app, "/api/paper_trading/sessions");

  // With an Idempotency-Key, a retry of a create whose answer was lost returns the same session (200).
  on(OPERATIONS.createSession, async (c, { body }) => {
    const key = idempotencyKey(c.req.header("idempotency-key"));
    const { session, created } = await sessions.createOnce(body, key);
    return c.json(session, created ? 201 : 200);
  });

  on(OPERATIONS.listSessions, async (c, { query }) => {
    const page = await sessions.list(query);
    return c.json({ ...page, limit: query.limit, offset: query.offset });
  });

  on(OPERATIONS.getSession, async (c, { path }) => c.json(await sessions.get(path.id)));

  on(
    OPERATIONS.pauseSession,
    async (c, { path }) => c.json(await sessions.command(path.id, "pause")),
  );
  on(
    OPERATIONS.resumeSession,
    async (c, { path }) => c.json(await sessions.command(path.id, "resume")),
  );
  on(OPERATIONS.stopSession, async (c, { path: { id }, body }) => {
    const session = await sessions.stop(id, body);
    return c.json({ ...session, metrics: await sessions.metrics(id) });
  });
  on(
    OPERATIONS.closeSession,
    async (c, { path, query }) => c.json(await sessions.close(path.id, query.symbol)),
  );
  on(
    OPERATIONS.placeOrder,
    async (c, { path, body }) => c.json(await sessions.placeOrder(path.id, body), 201),
  );
  on(
    OPERATIONS.cancelOrder,
    async (c, { path }) => c.json(await sessions.cancelOrder(path.id, path.order_id)),
  );

  on(OPERATIONS.sessionFills, async (c, { path: { id }, query }) => {
    if (query.format === "csv") {
      const size = RECORD_LIMIT.max;
      const all = await records.fills(id, { limit: size, offset: 0 });
      const items = [...all.items];
      for (let offset = size; offset < all.total; offset += size) {
        items.push(...(await records.fills(id, { limit: size, offset })).items);
      }
      return c.body(fillsCsv(items), 200, {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="session-${id}-trades.csv"`,
      });
    }
    return c.json(await records.fills(id, query));
  });

  on(
    OPERATIONS.sessionClosedTrades,
    async (c, { path, query }) => c.json(await records.closedTrades(path.id, query)),
  );

  on(
    OPERATIONS.sessionOrders,
    async (c, { path, query }) => c.json(await records.orders(path.id, query)),
  );

  on(
    OPERATIONS.sessionEquity,
    async (c, { path, query }) => c.json({ samples: await records.equity(path.id, query) }),
  );

  on(
    OPERATIONS.sessionSignals,
    async (c, { path, query }) => c.json({ signals: await records.signals(path.id, query) }),
  );

  on(OPERATIONS.sessionRisk, async (c, { path: { id }, query }) => {
    const events = await records.riskEvents(id, query);
    const { risk, limits } = await sessions.risk(id, service.risk.limits());
    return c.json({ risk, limits, events });
  });
  on(
    OPERATIONS.setSessionRisk,
    async (c, { path, body }) =>
      c.json(await sessions.setTradingState(path.id, body.state, { flatten: body.flatten })),
  );

  on(OPERATIONS.sessionMetrics, async (c, { path }) => c.json(await sessions.metrics(path.id)));

  // A place among the live connections is taken before streaming (503 at the cap) and
  // given back as soon as the client goes, or when the stream ends.
  on(OPERATIONS.sessionStream, async (c, { path: { id } }) => {
    const first = await sessions.get(id);
    const release = service.connections.take();
    return streamSSE(c, async (stream) => {
      const queue: unknown[] = [];
      let wake: (() => void) | undefined;
      let overflow = false;
      const unsubscribe = service.live.subscribe(tradingTopic(id), (message) => {
        if (queue.length >= SSE_BUFFER) overflow = true;
        else queue.push(message);
        wake?.();
      });
      stream.onAbort(() => {
        unsubscribe();
        release();
        wake?.();
      });
      try {
        await stream.writeSSE({ event: "session", data: JSON.stringify(first) });
        while (!stream.aborted) {
          if (queue.length === 0) {
            // Woken by a message or the client leaving, or at the heartbeat (its timer then cleared).
            await new Promise<void>((resolve) => {
              const heartbeat = setTimeout(resolve, HEARTBEAT_MS);
              wake = () => {
                clearTimeout(heartbeat);
                resolve();
              };
            });
            wake = undefined;
          }
          if (overflow) {
            await stream.writeSSE({
              event: "error",
              data: JSON.stringify({ error: "client too slow: buffer full" }),
            });
            break;
          }
          if (queue.length === 0) {
            await stream.writeSSE({ event: "heartbeat", data: String(Date.now()) });
            continue;
          }
          for (const message of queue.splice(0)) {
            const type = (message as { type: string }).type;
            await stream.writeSSE({ event: type, data: JSON.stringify(message) });
          }
        }
      } finally {
        unsubscribe();
        release();
      }
    });
  });

  return app;
}

/** Messages buffered for one SSE client before it is disconnected as too slow. */
const SSE_BUFFER = 10_000;
const HEARTBEAT_MS = 15_000;
