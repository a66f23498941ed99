import { BOOK_DEPTH, type SocketMessage, TOPIC_PATTERN } from "../../contract/mod.ts";
import { Hono } from "hono";
import { upgradeWebSocket } from "hono/deno";
import type { WSContext } from "hono/ws";
import type { MarketEvent } from "../../engine/core/types.ts";
import type { Service } from "../../engine/runtime/service.ts";
import { marketBook } from "./market.ts";

/** Bytes a client may have queued before it is disconnected as too slow. */
export const WS_MAX_BUFFERED = 4 * 1024 * 1024;
const HEARTBEAT_MS = 15_000;

/**
 * `GET /api/ws`: live updates over one WebSocket. Protocol (JSON text frames):
 * - client: `{"op":"subscribe","topics":[...]}`, `{"op":"unsubscribe","topics":[...]}`, `{"op":"ping"}`
 * - server: `{"type":"subscribed","topics":[...]}`, `{"type":"unsubscribed","topics":[...]}`,
 *   `{"type":"update","topic":"...","data":...}`, `{"type":"heartbeat","time":ms}`,
 *   `{"type":"pong"}`, `{"type":"error","error":"..."}`.
 * Topics: `ticker:SYMBOL`, `trades:SYMBOL`, `market_data:SYMBOL`, `book:SYMBOL` (the top
 * `BOOK_DEPTH.fallback` levels per side after each book update), `trading:SESSION_ID`,
 * `sessions` (`{type: "created", session}` when any session starts), `risk`.
 */
export function wsRoutes(service: Pick<Service, "live" | "config" | "hub">): Hono {
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
          let message: { op?: unknown; topics?: unknown };
          try {
            message = JSON.parse(String(event.data));
          } catch {
            return send({ type: "error", error: "malformed JSON" });
          }
          const topics = Array.isArray(message.topics) ? message.topics.map(String) : [];
          switch (message.op) {
            case "ping":
              return send({ type: "pong" });
            case "subscribe": {
              const errors = topics.map(subscribe).filter((e) => e !== undefined);
              for (const error of errors) send({ type: "error", error });
              return send({ type: "subscribed", topics: [...subscriptions.keys()] });
            }
            case "unsubscribe":
              for (const topic of topics) {
                subscriptions.get(topic)?.();
                subscriptions.delete(topic);
              }
              return send({ type: "unsubscribed", topics });
            default:
              return send({
                type: "error",
                error: `unknown op '${String(message.op)}' (expected subscribe, unsubscribe, ping)`,
              });
          }
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
