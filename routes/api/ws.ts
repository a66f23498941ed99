import {
  BOOK_DEPTH,
  type SocketMessage,
  type SocketRequest,
  TOPIC_PATTERN,
} from "../../contract/mod.ts";
import { socketRequestSchema } from "../../contract/schemas.ts";
import { Hono } from "hono";
import { upgradeWebSocket } from "hono/deno";
import type { WSContext } from "hono/ws";
import type { MarketEvent } from "../../engine/core/types.ts";
import { ValidationError } from "../../engine/runtime/errors.ts";
import type { Service } from "../../engine/runtime/service.ts";
import { zodDetails } from "../../engine/runtime/zod_details.ts";
import { errorBody, parseJson } from "./errors.ts";
import { marketBook } from "./market.ts";

/** Bytes a client may have queued before it is disconnected as too slow. */
export const WS_MAX_BUFFERED = 4 * 1024 * 1024;
const HEARTBEAT_MS = 15_000;

/**
 * The request a WebSocket message holds; a {@link ValidationError} when it is
 * not a JSON text frame, nests too deeply, or is not a request.
 */
function socketRequest(data: unknown): SocketRequest {
  if (typeof data !== "string") throw new ValidationError("expected a JSON text frame", []);
  const value = parseJson(data);
  const parsed = socketRequestSchema.safeParse(value);
  if (!parsed.success) {
    throw new ValidationError("invalid message", zodDetails(parsed.error, value));
  }
  return parsed.data;
}

/**
 * `GET /api/ws`: live updates over one WebSocket. Protocol (JSON text frames):
 * - client: `{"op":"subscribe","topics":[...]}`, `{"op":"unsubscribe","topics":[...]}`, `{"op":"ping"}`
 * - server: `{"type":"subscribed","topics":[...]}`, `{"type":"unsubscribed","topics":[...]}`,
 *   `{"type":"update","topic":"...","data":...}`, `{"type":"heartbeat","time":ms}`,
 *   `{"type":"pong"}`, `{"type":"error","error":"...","details"?:[...]}`.
 * Topics: `ticker:SYMBOL`, `trades:SYMBOL`, `market_data:SYMBOL`, `book:SYMBOL` (the top
 * `BOOK_DEPTH.fallback` levels per side after each book update), `trading:SESSION_ID`,
 * `sessions` (`{type: "created", session}` when any session starts), `risk`. Each
 * refused message gets an error frame.
 */
export function wsRoutes(
  service: Pick<Service, "live" | "config" | "hub" | "log">,
): Hono {
  const app = new Hono();
  app.get(
    "/",
    upgradeWebSocket(() => {
      const subscriptions = new Map<string, () => void>();
      let heartbeat: ReturnType<typeof setInterval> | undefined;
      let socket: WSContext | undefined;

      const send = (message: SocketMessage) => {
        if (!socket || socket.readyState !== 1) return;
        const raw = socket.raw as WebSocket | undefined;
        if (raw && raw.bufferedAmount > WS_MAX_BUFFERED) {
          socket.close(1008, "client too slow: send buffer full");
          return;
        }
        socket.send(JSON.stringify(message));
      };

      /** Starts sending the updates of a valid topic; returns what stops them. */
      const listen = (topic: string, kind?: string, symbol?: string): () => void => {
        if (!kind || !symbol) {
          return service.live.subscribe(topic, (data) => send({ type: "update", topic, data }));
        }
        if (kind === "book") {
          const depth = BOOK_DEPTH.fallback;
          return service.hub.listenBook(symbol, (book) => {
            const top = {
              ...book,
              bids: book.bids.slice(0, depth),
              asks: book.asks.slice(0, depth),
            };
            send({ type: "update", topic, data: marketBook(symbol, top) });
          });
        }
        return service.hub.listen(topic, (events: readonly MarketEvent[]) => {
          const data = kind === "ticker" ? service.hub.cache.ticker(symbol) : events;
          send({ type: "update", topic, data });
        });
      };

      const subscribe = (topic: string): string | undefined => {
        const match = TOPIC_PATTERN.exec(topic);
        if (!match) return `unknown topic '${topic}'`;
        if (subscriptions.has(topic)) return undefined;
        const [, kind, symbol] = match;
        if (kind && !service.config.symbols.includes(symbol)) return `unknown symbol '${symbol}'`;
        subscriptions.set(topic, listen(topic, kind, symbol));
        return undefined;
      };

      const answer = (data: unknown) => {
        try {
          const request = socketRequest(data);
          if (request.op === "ping") return send({ type: "pong" });
          if (request.op === "subscribe") {
            const errors = request.topics.map(subscribe).filter((e) => e !== undefined);
            for (const error of errors) send({ type: "error", error });
            return send({ type: "subscribed", topics: [...subscriptions.keys()] });
          }
          for (const topic of request.topics) {
            subscriptions.get(topic)?.();
            subscriptions.delete(topic);
          }
          send({ type: "unsubscribed", topics: request.topics });
        } catch (error) {
          if (error instanceof ValidationError) {
            return send({ type: "error", ...errorBody(error.message, error.details) });
          }
          service.log.error(
            `unexpected error on a WebSocket message: ${(error as Error)?.stack ?? error}`,
          );
          send({ type: "error", error: "internal error" });
        }
      };

      return {
        onOpen(_event, ws) {
          socket = ws;
          heartbeat = setInterval(
            () => send({ type: "heartbeat", time: Date.now() }),
            HEARTBEAT_MS,
          );
        },
        onMessage(event, ws) {
          socket = ws;
          answer(event.data);
        },
        onClose() {
          clearInterval(heartbeat);
          for (const unsubscribe of subscriptions.values()) unsubscribe();
          subscriptions.clear();
        },
      };
    }),
  );
  return app;
}
