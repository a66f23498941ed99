/**
 * One shared WebSocket per page for every island's live updates (`/api/ws`):
 * islands subscribe to topics (`ticker:SYMBOL`, `trades:SYMBOL`,
 * `trading:SESSION_ID`) and receive each update's `data`. One socket instead
 * of one SSE stream per session keeps the page under the browser's
 * per-host connection limit. The socket reconnects with backoff and
 * resubscribes; `onReconnect` listeners refetch what they may have missed.
 */

import type { SocketMessage, SocketRequest } from "../contract/mod.ts";

/** Receives the `data` of each update of a topic. */
export type TopicListener = (data: unknown) => void;

const topics = new Map<string, Set<TopicListener>>();
const reconnectListeners = new Set<() => void>();
let socket: WebSocket | undefined;
let attempts = 0;
let connectedBefore = false;

function send(message: SocketRequest): void {
  if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function connect(): void {
  const url = new URL("/api/ws", location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(url);
  socket = ws;
  ws.onopen = () => {
    attempts = 0;
    if (topics.size > 0) send({ op: "subscribe", topics: [...topics.keys()] });
    if (connectedBefore) { for (const fn of reconnectListeners) fn(); }
    connectedBefore = true;
  };
  ws.onmessage = (event) => {
    const message: SocketMessage = JSON.parse(event.data);
    if (message.type !== "update") return;
    for (const fn of topics.get(message.topic) ?? []) fn(message.data);
  };
  ws.onclose = () => {
    if (socket !== ws) return;
    socket = undefined;
    attempts++;
    setTimeout(connect, Math.min(10_000, 250 * 2 ** attempts));
  };
}

/** Listens to a topic; returns the function that stops listening. */
export function subscribe(topic: string, fn: TopicListener): () => void {
  let set = topics.get(topic);
  if (!set) {
    topics.set(topic, set = new Set());
    send({ op: "subscribe", topics: [topic] });
  }
  set.add(fn);
  if (!socket) connect();
  return () => {
    set.delete(fn);
    if (set.size > 0) return;
    topics.delete(topic);
    send({ op: "unsubscribe", topics: [topic] });
  };
}

/** Calls `fn` after the socket came back from a disconnect; returns the remover. */
export function onReconnect(fn: () => void): () => void {
  reconnectListeners.add(fn);
  return () => reconnectListeners.delete(fn);
}
