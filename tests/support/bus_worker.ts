/**
 * Test worker: subscribes to the market bus, checks per-symbol order of trade
 * ids, and recovers gaps through its port to the main thread.
 *
 * Messages in: `{type: "init", symbols, startAfter, namespace}`, `{type: "recovered", symbol, batches}`,
 * `{type: "report"}`, `{type: "close"}`. Out: `{type: "ready"}`, `{type: "recover", symbol, from, to}`,
 * `{type: "report", received, inOrder, stats, unrecoverable}`, `{type: "done", received}` when `expect` is reached.
 */
/// <reference lib="deno.worker" />
import { BusSubscriber } from "../../engine/runtime/market/bus_subscriber.ts";
import type { BusBatch } from "../../engine/runtime/market/bus.ts";
import type { MarketEvent } from "../../engine/core/types.ts";

let subscriber: BusSubscriber | undefined;
let received = 0;
let expect = Infinity;
let inOrder = true;
const lastId = new Map<string, number>();
const unrecoverable: [string, number, number][] = [];

function onEvents(events: readonly MarketEvent[]): void {
  for (const event of events) {
    if (event.type !== "trade") continue;
    const last = lastId.get(event.symbol) ?? event.id - 1;
    if (event.id !== last + 1) inOrder = false;
    lastId.set(event.symbol, event.id);
    received++;
  }
  if (received >= expect) {
    self.postMessage({ type: "done", received });
    expect = Infinity;
  }
}

self.onmessage = (e: MessageEvent) => {
  const msg = e.data;
  if (msg.type === "init") {
    subscriber = new BusSubscriber({
      symbols: msg.symbols,
      startAfter: msg.startAfter,
      namespace: msg.namespace,
      onEvents,
      requestRecovery: (symbol, from, to) =>
        self.postMessage({ type: "recover", symbol, from, to }),
      onUnrecoverable: (symbol, from, to) => unrecoverable.push([symbol, from, to]),
    });
    self.postMessage({ type: "ready" });
  } else if (msg.type === "expect") {
    expect = msg.total;
    if (received >= expect) onEvents([]);
  } else if (msg.type === "recovered") {
    subscriber?.deliverRecovered(msg.symbol, msg.batches as BusBatch[] | null);
  } else if (msg.type === "report") {
    self.postMessage({
      type: "report",
      received,
      inOrder,
      stats: subscriber?.stats,
      unrecoverable,
    });
  } else if (msg.type === "close") {
    subscriber?.close();
    self.close();
  }
};
