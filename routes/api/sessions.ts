import { Hono } from "hono";
import {
  EQUITY_LIMIT,
  OFFSET,
  RECORD_LIMIT,
  SESSION_LIST_LIMIT,
  SIGNAL_LIMIT,
  tradingTopic,
} from "../../contract/mod.ts";
import { streamSSE } from "hono/streaming";
import { SESSION_STATUSES, type SessionStatus } from "../../engine/core/session/mod.ts";
import { ValidationError } from "../../engine/runtime/errors.ts";
import { idempotencyKey } from "../../engine/runtime/idempotency.ts";
import type { Service } from "../../engine/runtime/service.ts";
import { intQuery, jsonBody } from "./errors.ts";
import { fillsCsv } from "./csv.ts";

/** `/api/paper_trading/sessions`: create, list, inspect and control sessions. */
export function sessionRoutes(service: Service): Hono {
  const { sessions, records } = service;
  const app = new Hono();

  // With an Idempotency-Key, a retry of a create whose answer was lost returns the same session (200).
  app.post("/", async (c) => {
    const key = idempotencyKey(c.req.header("idempotency-key"));
    const { session, created } = await sessions.createOnce(await jsonBody(c), key);
    return c.json(session, created ? 201 : 200);
  });

  app.get("/", async (c) => {
    const status = c.req.query("status");
    if (status !== undefined && !(SESSION_STATUSES as readonly string[]).includes(status)) {
      throw new ValidationError("invalid query parameter 'status'", [{
        path: "status",
        message: `'${status}' is not one of ${SESSION_STATUSES.join(", ")}`,
      }]);
    }
    const limit = intQuery(c, "limit", SESSION_LIST_LIMIT);
    const offset = intQuery(c, "offset", OFFSET);
    const page = await sessions.list({
      status: status as SessionStatus | undefined,
      limit,
      offset,
    });
    return c.json({ ...page, limit, offset });
  });

  app.get("/:id", async (c) => c.json(await sessions.get(c.req.param("id"))));

  app.post("/:id/pause", async (c) => c.json(await sessions.command(c.req.param("id"), "pause")));
  app.post("/:id/resume", async (c) => c.json(await sessions.command(c.req.param("id"), "resume")));
  app.delete("/:id", async (c) => {
    const id = c.req.param("id");
    const session = await sessions.command(id, "stop");
    return c.json({ ...session, metrics: await sessions.metrics(id) });
  });

  app.get("/:id/trades", async (c) => {
    const id = c.req.param("id");
    const format = c.req.query("format") ?? "json";
    if (format !== "json" && format !== "csv") {
      throw new ValidationError("invalid query parameter 'format'", [{
        path: "format",
        message: `'${format}' is not json or csv`,
      }]);
    }
    if (format === "csv") {
      const all = await records.fills(id, { limit: 1000, offset: 0 });
      const items = [...all.items];
      for (let offset = 1000; offset < all.total; offset += 1000) {
        items.push(...(await records.fills(id, { limit: 1000, offset })).items);
      }
      return c.body(fillsCsv(items), 200, {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="session-${id}-trades.csv"`,
      });
    }
    const limit = intQuery(c, "limit", RECORD_LIMIT);
    const offset = intQuery(c, "offset", OFFSET);
    return c.json(await records.fills(id, { limit, offset }));
  });

  app.get("/:id/closed_trades", async (c) => {
    const limit = intQuery(c, "limit", RECORD_LIMIT);
    const offset = intQuery(c, "offset", OFFSET);
    return c.json(await records.closedTrades(c.req.param("id"), { limit, offset }));
  });

  app.get("/:id/orders", async (c) => {
    const limit = intQuery(c, "limit", RECORD_LIMIT);
    const offset = intQuery(c, "offset", OFFSET);
    return c.json(await records.orders(c.req.param("id"), { limit, offset }));
  });

  app.get("/:id/equity", async (c) => {
    const limit = intQuery(c, "limit", EQUITY_LIMIT);
    return c.json({ samples: await records.equity(c.req.param("id"), { limit }) });
  });

  app.get("/:id/signals", async (c) => {
    const limit = intQuery(c, "limit", SIGNAL_LIMIT);
    return c.json({ signals: await records.signals(c.req.param("id"), { limit }) });
  });

  app.get("/:id/metrics", async (c) => c.json(await sessions.metrics(c.req.param("id"))));

  app.get("/:id/stream", async (c) => {
    const id = c.req.param("id");
    const first = await sessions.get(id);
    return streamSSE(c, async (stream) => {
      const queue: unknown[] = [];
      let wake: (() => void) | undefined;
      let overflow = false;
      const unsubscribe = service.live.subscribe(tradingTopic(id), (message) => {
        if (queue.length >= SSE_BUFFER) overflow = true;
        else queue.push(message);
        wake?.();
      });
      stream.onAbort(unsubscribe);
      await stream.writeSSE({ event: "session", data: JSON.stringify(first) });
      while (!stream.aborted) {
        if (queue.length === 0) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, HEARTBEAT_MS);
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
      unsubscribe();
    });
  });

  return app;
}

/** Messages buffered for one SSE client before it is disconnected as too slow. */
const SSE_BUFFER = 10_000;
const HEARTBEAT_MS = 15_000;
