/**
 * A local stand-in for Binance's public market-data endpoints, speaking the
 * real protocol: combined streams (`/stream?streams=a/b`, envelopes) and raw
 * streams (`/ws/<stream>`), live SUBSCRIBE/UNSUBSCRIBE with
 * `{"result":null,"id":N}` replies, server-initiated close, arbitrary
 * (malformed) frames, depth diffs (`depthUpdate`), and REST `/api/v3/ping`,
 * `/api/v3/klines`, `/api/v3/exchangeInfo`, `/api/v3/depth` and
 * `/api/v3/historicalTrades` (every trade sent, by id, until forgotten). Listens on 127.0.0.1 on a free port.
 */
import { type Timeframe, timeframeMs, TIMEFRAMES } from "../../engine/core/types.ts";

/** One control message as received by the server. */
export interface ControlMessage {
  /** `performance.now()` at receipt. */
  at: number;
  method: string;
  params: string[];
  id: number;
}

/** One client connection. */
export interface FakeConnection {
  readonly socket: WebSocket;
  /** True for `/stream` (envelopes), false for `/ws` (raw payloads). */
  readonly combined: boolean;
  /** Currently subscribed stream names. */
  readonly streams: Set<string>;
  /** The stream names from the connect URL. */
  readonly initialStreams: string[];
}

/** Options of {@link startFakeBinance}. */
export interface FakeBinanceOptions {
  /** Server ping interval / pong timeout in seconds (Deno.upgradeWebSocket `idleTimeout`). */
  idleTimeout?: number;
  /** Symbols known to exchangeInfo (default BTCUSDT, ETHUSDT). */
  symbols?: readonly string[];
  /** Clock for klines (default `Date.now`). */
  now?: () => number;
}

/** A running fake exchange. */
export interface FakeBinance {
  readonly wsUrl: string;
  readonly restUrl: string;
  /** Open connections, oldest first. */
  readonly connections: FakeConnection[];
  /** Every connection ever accepted. */
  readonly accepted: number;
  readonly controls: ControlMessage[];
  /** Sends a payload on a stream to every connection subscribed to it. */
  publish(stream: string, data: unknown): void;
  /** Sends a `trade` payload for the symbol. */
  trade(symbol: string, id: number, price?: number, qty?: number, time?: number): void;
  /** Sends a `bookTicker` payload for the symbol. */
  bookTicker(symbol: string, updateId: number, bid: number, ask: number): void;
  /**
   * Sends a `depthUpdate` (first id `U`, final id `u`) on `<symbol>@depth@100ms`
   * and applies it to the book `/api/v3/depth` serves (levels as [price, qty]).
   */
  depth(
    symbol: string,
    ids: { first: number; final: number },
    bids: [number, number][],
    asks: [number, number][],
  ): void;
  /** Replaces the book `/api/v3/depth` serves for the symbol. */
  setBook(
    symbol: string,
    lastUpdateId: number,
    bids: [number, number][],
    asks: [number, number][],
  ): void;
  /** `/api/v3/depth` requests received, by symbol. */
  readonly depthRequests: string[];
  /** `/api/v3/historicalTrades` requests received, as `SYMBOL:fromId:limit`. */
  readonly historyRequests: string[];
  /** Removes trades from the REST history (the exchange no longer serves them). */
  forget(symbol: string, ids: readonly number[]): void;
  /** Sends arbitrary text to every connection. */
  sendText(text: string): void;
  /** Closes every connection from the server side. */
  dropAll(code?: number, reason?: string): void;
  /** Resolves once `accepted` reaches `n` and that connection is open. */
  waitForConnection(n: number, timeoutMs?: number): Promise<FakeConnection>;
  close(): Promise<void>;
}

/** Starts the fake exchange. */
export function startFakeBinance(options: FakeBinanceOptions = {}): Promise<FakeBinance> {
  const now = options.now ?? Date.now;
  const known = new Set(options.symbols ?? ["BTCUSDT", "ETHUSDT"]);
  const connections: FakeConnection[] = [];
  const controls: ControlMessage[] = [];
  let accepted = 0;
  const waiters: { n: number; resolve: (c: FakeConnection) => void }[] = [];
  const books = new Map<
    string,
    { lastUpdateId: number; bids: Map<number, number>; asks: Map<number, number> }
  >();
  const depthRequests: string[] = [];
  const historyRequests: string[] = [];
  const history = new Map<string, { id: number; price: number; qty: number; time: number }[]>();

  function historicalTrades(url: URL): Response {
    const symbol = url.searchParams.get("symbol") ?? "";
    const fromId = Number(url.searchParams.get("fromId") ?? 0);
    const limit = Math.min(1000, Number(url.searchParams.get("limit") ?? 500));
    historyRequests.push(`${symbol}:${fromId}:${limit}`);
    if (!known.has(symbol)) {
      return Response.json({ code: -1121, msg: "Invalid symbol." }, { status: 400 });
    }
    const rows = (history.get(symbol) ?? []).filter((t) => t.id >= fromId).slice(0, limit);
    return Response.json(rows.map((t) => ({
      id: t.id,
      price: String(t.price),
      qty: String(t.qty),
      quoteQty: String(t.price * t.qty),
      time: t.time,
      isBuyerMaker: t.id % 2 === 0,
      isBestMatch: true,
    })));
  }

  function bookOf(symbol: string) {
    let book = books.get(symbol);
    if (!book) books.set(symbol, book = { lastUpdateId: 0, bids: new Map(), asks: new Map() });
    return book;
  }

  function depthSnapshot(url: URL): Response {
    const symbol = url.searchParams.get("symbol") ?? "";
    depthRequests.push(symbol);
    if (!known.has(symbol)) {
      return Response.json({ code: -1121, msg: "Invalid symbol." }, { status: 400 });
    }
    const limit = Number(url.searchParams.get("limit") ?? 100);
    const book = bookOf(symbol);
    const side = (levels: Map<number, number>, descending: boolean) =>
      [...levels].sort((a, b) => descending ? b[0] - a[0] : a[0] - b[0]).slice(0, limit)
        .map(([p, q]) => [String(p), String(q)]);
    return Response.json({
      lastUpdateId: book.lastUpdateId,
      bids: side(book.bids, true),
      asks: side(book.asks, false),
    });
  }

  function onOpen(conn: FakeConnection): void {
    connections.push(conn);
    accepted++;
    for (const w of [...waiters]) {
      if (accepted >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(conn);
      }
    }
  }

  function upgrade(req: Request, url: URL): Response {
    const combined = url.pathname === "/stream";
    const initialStreams = combined
      ? (url.searchParams.get("streams") ?? "").split("/").filter(Boolean)
      : url.pathname.slice("/ws".length).split("/").filter(Boolean);
    const { socket, response } = Deno.upgradeWebSocket(req, { idleTimeout: options.idleTimeout });
    const conn: FakeConnection = {
      socket,
      combined,
      streams: new Set(initialStreams),
      initialStreams,
    };
    socket.onopen = () => onOpen(conn);
    socket.onclose = () => {
      const i = connections.indexOf(conn);
      if (i >= 0) connections.splice(i, 1);
    };
    socket.onmessage = (e) => {
      const msg = JSON.parse(String(e.data));
      controls.push({
        at: performance.now(),
        method: msg.method,
        params: msg.params ?? [],
        id: msg.id,
      });
      if (msg.method === "SUBSCRIBE") { for (const p of msg.params) conn.streams.add(p); }
      if (msg.method === "UNSUBSCRIBE") { for (const p of msg.params) conn.streams.delete(p); }
      const reply = msg.method === "LIST_SUBSCRIPTIONS" ? [...conn.streams] : null;
      socket.send(JSON.stringify({ result: reply, id: msg.id }));
    };
    return response;
  }

  function klines(url: URL): Response {
    const symbol = url.searchParams.get("symbol") ?? "";
    const interval = url.searchParams.get("interval") ?? "1m";
    const limit = Number(url.searchParams.get("limit") ?? 500);
    const step = (TIMEFRAMES as readonly string[]).includes(interval)
      ? timeframeMs(interval as Timeframe)
      : 60_000;
    if (!known.has(symbol)) {
      return Response.json({ code: -1121, msg: "Invalid symbol." }, { status: 400 });
    }
    const forming = Math.floor(now() / step) * step;
    const rows = [];
    for (let i = limit - 1; i >= 0; i--) {
      const t = forming - i * step;
      const p = 100 + i;
      rows.push([
        t,
        `${p}`,
        `${p + 1}`,
        `${p - 1}`,
        `${p + 0.5}`,
        "10",
        t + step - 1,
        "1000",
        5,
        "5",
        "500",
        "0",
      ]);
    }
    return Response.json(rows);
  }

  function exchangeInfo(url: URL): Response {
    const only = url.searchParams.get("symbol");
    const symbols = [...known].filter((s) => !only || s === only).map((s) => ({
      symbol: s,
      status: "TRADING",
      baseAsset: s.replace(/USDT$/, ""),
      quoteAsset: "USDT",
      filters: [
        { filterType: "PRICE_FILTER", minPrice: "0.01", maxPrice: "1000000", tickSize: "0.01" },
        { filterType: "LOT_SIZE", minQty: "0.00001", maxQty: "9000", stepSize: "0.00001" },
        { filterType: "NOTIONAL", minNotional: "5.00", applyMinToMarket: true },
      ],
    }));
    if (only && symbols.length === 0) {
      return Response.json({ code: -1121, msg: "Invalid symbol." }, { status: 400 });
    }
    return Response.json({ timezone: "UTC", serverTime: now(), symbols });
  }

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const url = new URL(req.url);
    if (req.headers.get("upgrade") === "websocket") return upgrade(req, url);
    if (url.pathname === "/api/v3/ping") return Response.json({});
    if (url.pathname === "/api/v3/klines") return klines(url);
    if (url.pathname === "/api/v3/exchangeInfo") return exchangeInfo(url);
    if (url.pathname === "/api/v3/depth") return depthSnapshot(url);
    if (url.pathname === "/api/v3/historicalTrades") return historicalTrades(url);
    return new Response("not found", { status: 404 });
  });
  const port = server.addr.port;

  function publish(stream: string, data: unknown): void {
    for (const c of connections) {
      if (!c.streams.has(stream) || c.socket.readyState !== WebSocket.OPEN) continue;
      c.socket.send(JSON.stringify(c.combined ? { stream, data } : data));
    }
  }

  const fake: FakeBinance = {
    wsUrl: `ws://127.0.0.1:${port}`,
    restUrl: `http://127.0.0.1:${port}`,
    connections,
    get accepted() {
      return accepted;
    },
    controls,
    publish,
    trade(symbol, id, price = 100, qty = 1, time = now()) {
      const kept = history.get(symbol) ?? [];
      history.set(symbol, kept);
      kept.push({ id, price, qty, time });
      publish(`${symbol.toLowerCase()}@trade`, {
        e: "trade",
        E: time,
        s: symbol,
        t: id,
        p: String(price),
        q: String(qty),
        T: time,
        m: id % 2 === 0,
        M: true,
      });
    },
    bookTicker(symbol, updateId, bid, ask) {
      publish(`${symbol.toLowerCase()}@bookTicker`, {
        u: updateId,
        s: symbol,
        b: String(bid),
        B: "1.5",
        a: String(ask),
        A: "2.5",
      });
    },
    depth(symbol, ids, bids, asks) {
      const book = bookOf(symbol);
      for (const [p, q] of bids) q === 0 ? book.bids.delete(p) : book.bids.set(p, q);
      for (const [p, q] of asks) q === 0 ? book.asks.delete(p) : book.asks.set(p, q);
      book.lastUpdateId = ids.final;
      const text = (levels: [number, number][]) => levels.map(([p, q]) => [String(p), String(q)]);
      publish(`${symbol.toLowerCase()}@depth@100ms`, {
        e: "depthUpdate",
        E: now(),
        s: symbol,
        U: ids.first,
        u: ids.final,
        b: text(bids),
        a: text(asks),
      });
    },
    setBook(symbol, lastUpdateId, bids, asks) {
      books.set(symbol, { lastUpdateId, bids: new Map(bids), asks: new Map(asks) });
    },
    depthRequests,
    historyRequests,
    forget(symbol, ids) {
      history.set(symbol, (history.get(symbol) ?? []).filter((t) => !ids.includes(t.id)));
    },
    sendText(text) {
      for (const c of connections) if (c.socket.readyState === WebSocket.OPEN) c.socket.send(text);
    },
    dropAll(code = 1001, reason = "server going away") {
      for (const c of [...connections]) c.socket.close(code, reason);
    },
    waitForConnection(n, timeoutMs = 10_000) {
      if (accepted >= n) return Promise.resolve(connections[connections.length - 1]);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`fake binance: connection ${n} not made within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          n,
          resolve: (c) => {
            clearTimeout(timer);
            resolve(c);
          },
        });
      });
    },
    async close() {
      for (const c of [...connections]) c.socket.close(1000, "server shutdown");
      await server.shutdown();
    },
  };
  return Promise.resolve(fake);
}
