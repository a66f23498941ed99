import {
  BOOK_DEPTH,
  MAX_SOCKET_MESSAGE_BYTES,
  MAX_SOCKET_TOPICS,
  MAX_SOCKET_WAITING,
  type SocketMessage,
  type SocketRequest,
  TOPIC_PATTERN,
} from "../../contract/mod.ts";
import { socketRequestSchema } from "../../contract/schemas.ts";
import { Hono } from "hono";
import { upgradeWebSocket } from "hono/deno";
import type { WSContext, WSEvents } from "hono/ws";
import type { MarketEvent } from "../../engine/core/types.ts";
import {
  DatabaseUnavailableError,
  NotFoundError,
  ValidationError,
} from "../../engine/runtime/errors.ts";
import type { Service } from "../../engine/runtime/service.ts";
import { zodDetails } from "../../engine/runtime/zod_details.ts";
import { errorBody, parseJson } from "./errors.ts";
import { marketBook } from "./market.ts";

/** Bytes a client may have queued before it is disconnected as too slow. */
export const WS_MAX_BUFFERED = 4 * 1024 * 1024;
const HEARTBEAT_MS = 15_000;

/**
 * The request a WebSocket message holds; a {@link ValidationError} when it is
 * not a JSON text frame of at most {@link MAX_SOCKET_MESSAGE_BYTES}, nests too
 * deeply, or is not a request.
 */
function socketRequest(data: unknown): SocketRequest {
  if (typeof data !== "string") throw new ValidationError("expected a JSON text frame", []);
  if (
    data.length > MAX_SOCKET_MESSAGE_BYTES ||
    new TextEncoder().encode(data).byteLength > MAX_SOCKET_MESSAGE_BYTES
  ) {
    throw new ValidationError("message too large", [{
      path: "",
      message: `the limit is ${MAX_SOCKET_MESSAGE_BYTES.toLocaleString("en-US")} bytes`,
    }]);
  }
  const value = parseJson(data);
  const parsed = socketRequestSchema.safeParse(value);
  if (!parsed.success) {
    throw new ValidationError("invalid message", zodDetails(parsed.error, value));
  }
  return parsed.data;
}

/** What the WebSocket route uses of the service. */
type WsService = Pick<Service, "live" | "config" | "hub" | "sessions" | "log" | "connections">;

/**
 * `GET /api/ws`: live updates over one WebSocket. Protocol (JSON text frames):
 * - client: `{"op":"subscribe","topics":[...]}`, `{"op":"unsubscribe","topics":[...]}`, `{"op":"ping"}`
 * - server: `{"type":"subscribed","topics":[...]}`, `{"type":"unsubscribed","topics":[...]}`,
 *   `{"type":"update","topic":"...","data":...}`, `{"type":"heartbeat","time":ms}`,
 *   `{"type":"pong"}`, `{"type":"error","error":"...","details"?:[...]}`.
 * Topics: `ticker:SYMBOL`, `trades:SYMBOL`, `market_data:SYMBOL`, `book:SYMBOL` (the top
 * `BOOK_DEPTH.fallback` levels per side after each book update), `trading:SESSION_ID`
 * (of a session that exists), `sessions` (`{type: "created", session}` when any session
 * starts), `risk`. Messages are answered in order; each refused one gets an error frame.
 * An upgrade is refused with 503 while the node holds `MAX_LIVE_CONNECTIONS` live
 * connections (WebSockets and SSE streams together).
 */
export function wsRoutes(service: WsService): Hono {
  const app = new Hono();
  app.get("/", async (c, next) => {
    // Not an upgrade: no place is taken, and the request is left to the 404.
    if (c.req.header("upgrade") !== "websocket") return await next();
    const release = service.connections.take();
    try {
      return await upgradeWebSocket(c, socketEvents(service, release));
    } catch (error) {
      release();
      throw error;
    }
  });
  return app;
}

/**
 * The events of one socket; `release` gives its place among the live
 * connections back when it closes or fails.
 */
function socketEvents(service: WsService, release: () => void): WSEvents {
  const subscriptions = new Map<string, () => void>();
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let socket: WSContext | undefined;
  let closed = false;
  /** Messages taken and not yet answered, and the answer of the last one. */
  let waiting = 0;
  let answered = Promise.resolve();

  const send = (message: SocketMessage) => {
    if (!socket || socket.readyState !== 1) return;
    const raw = socket.raw as WebSocket | undefined;
    if (raw && raw.bufferedAmount > WS_MAX_BUFFERED) {
      socket.close(1008, "client too slow: send buffer full");
      return;
    }
    socket.send(JSON.stringify(message));
  };

  /** Why a `trading:ID` topic cannot be subscribed (its session does not exist), if it cannot. */
  const sessionProblem = async (topic: string): Promise<string | undefined> => {
    if (!topic.startsWith("trading:")) return undefined;
    try {
      await service.sessions.get(topic.slice("trading:".length));
      return undefined;
    } catch (error) {
      if (error instanceof NotFoundError) return error.message;
      throw error;
    }
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

  const subscribe = async (topics: readonly string[]) => {
    for (const topic of new Set(topics)) {
      if (subscriptions.has(topic)) continue;
      if (subscriptions.size >= MAX_SOCKET_TOPICS) {
        send({
          type: "error",
          error: `'${topic}' and the topics after it were not subscribed: ` +
            `a socket holds at most ${MAX_SOCKET_TOPICS} topics (unsubscribe some first)`,
        });
        break;
      }
      const match = TOPIC_PATTERN.exec(topic);
      if (!match) {
        send({ type: "error", error: `unknown topic '${topic}'` });
        continue;
      }
      const [, kind, symbol] = match;
      const problem = kind
        ? service.config.symbols.includes(symbol) ? undefined : `unknown symbol '${symbol}'`
        : await sessionProblem(topic);
      if (problem) send({ type: "error", error: problem });
      else if (!closed) subscriptions.set(topic, listen(topic, kind, symbol));
    }
    send({ type: "subscribed", topics: [...subscriptions.keys()] });
  };

  const answer = async (data: unknown) => {
    try {
      const request = socketRequest(data);
      if (request.op === "ping") return send({ type: "pong" });
      if (request.op === "subscribe") return await subscribe(request.topics);
      const stopped = request.topics.filter((topic) => subscriptions.has(topic));
      for (const topic of stopped) {
        subscriptions.get(topic)?.();
        subscriptions.delete(topic);
      }
      send({ type: "unsubscribed", topics: stopped });
    } catch (error) {
      if (error instanceof ValidationError) {
        return send({ type: "error", ...errorBody(error.message, error.details) });
      }
      if (error instanceof DatabaseUnavailableError) {
        return send({ type: "error", error: `${error.message}; try again when it is back` });
      }
      service.log.error(
        `unexpected error on a WebSocket message: ${(error as Error)?.stack ?? error}`,
      );
      send({ type: "error", error: "internal error" });
    }
  };

  /** Stops the socket's updates and gives its place back (once, however often called). */
  const end = () => {
    closed = true;
    clearInterval(heartbeat);
    for (const unsubscribe of subscriptions.values()) unsubscribe();
    subscriptions.clear();
    release();
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
      if (waiting >= MAX_SOCKET_WAITING) {
        return send({
          type: "error",
          error: `message refused: ${MAX_SOCKET_WAITING} messages are waiting for their answer`,
        });
      }
      waiting++;
      answered = answered.then(() => answer(event.data)).finally(() => waiting--);
    },
    onClose: end,
    // An error ends the socket too; one whose upgrade fails gets only the error, never a close.
    onError: end,
  };
}
