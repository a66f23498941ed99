/**
 * A local OKX (API v5) public market-data server speaking the real protocol,
 * for pointing the exchange library at it by URL override: WebSocket
 * `/ws/v5/public` with `{"op":"subscribe"|"unsubscribe","args":[{channel,
 * instId}]}` (acknowledged with `{"event":"subscribe","arg",connId}`, unknown
 * instruments answered with `{"event":"error","code":"60018",...}`), the
 * `trades` channel (`{"arg","data":[{instId,tradeId,px,sz,side,ts,count}]}`),
 * text `ping` → `pong`, and REST `GET /api/v5/public/instruments?instType=SPOT` and
 * `GET /api/v5/market/candles?instId=&bar=&limit=` (newest first, the last one forming).
 * Listens on 127.0.0.1 on a free port.
 */

/** An instrument the server lists (OKX `instruments` fields used by clients). */
export interface OkxInstrument {
  readonly instId: string;
  readonly tickSz: string;
  readonly lotSz: string;
  readonly minSz: string;
}

/** A running fake OKX. */
export interface FakeOkx {
  /** REST base URL. */
  readonly restUrl: string;
  /** WebSocket public endpoint URL (`…/ws/v5/public`). */
  readonly wsUrl: string;
  /** Subscribe/unsubscribe requests received, as `op channel instId`. */
  readonly requests: string[];
  /** REST paths requested (with their query). */
  readonly restRequests: string[];
  /** Sends trades on `trades` of an instrument to every subscribed connection. */
  trades(instId: string, trades: { id: number; px: number; sz: number; ts?: number }[]): void;
  /** Sends a `books` snapshot or update (levels as [price, size]) of an instrument. */
  book(
    instId: string,
    action: "snapshot" | "update",
    ids: { seqId: number; prevSeqId: number },
    bids: [number, number][],
    asks: [number, number][],
  ): void;
  /** Sends a ticker on `tickers` of an instrument to every subscribed connection. */
  ticker(instId: string, ticker: { bid: number; ask: number; last: number; ts?: number }): void;
  /** Resolves once some connection subscribed to the channel (default `trades`) of the instrument. */
  waitForSubscription(instId: string, channel?: string, timeoutMs?: number): Promise<void>;
  /** Closes every connection from the server side. */
  dropAll(): void;
  close(): Promise<void>;
}

const CHANNELS = new Set(["trades", "tickers", "books"]);

/** The service's configuration for BTCUSDT on its own feed and `okx:BTC/USDT` on this fake. */
export function okxVenueEnv(fake: FakeOkx): Record<string, string> {
  return {
    SYMBOLS: "BTCUSDT,okx:btc/usdt",
    VENUE_URLS: JSON.stringify({
      okx: { rest: fake.restUrl, ws: fake.wsUrl.replace(/\/public$/, "") },
    }),
  };
}

/** Starts the fake server with the given spot instruments (default BTC-USDT and ETH-USDT). */
export function startFakeOkx(instruments?: OkxInstrument[]): Promise<FakeOkx> {
  const listed = instruments ?? [
    { instId: "BTC-USDT", tickSz: "0.1", lotSz: "0.00000001", minSz: "0.00001" },
    { instId: "ETH-USDT", tickSz: "0.01", lotSz: "0.000001", minSz: "0.0001" },
  ];
  const requests: string[] = [];
  const restRequests: string[] = [];
  const sockets = new Map<WebSocket, Set<string>>();
  const waiters: { key: string; resolve: () => void }[] = [];

  function onMessage(socket: WebSocket, text: string): void {
    if (text === "ping") return socket.send("pong");
    let message: { op?: string; args?: { channel?: string; instId?: string }[] };
    try {
      message = JSON.parse(text);
    } catch {
      return socket.send(
        JSON.stringify({ event: "error", code: "60012", msg: `Invalid request: ${text}` }),
      );
    }
    if (
      message.op !== "subscribe" && message.op !== "unsubscribe" || !Array.isArray(message.args)
    ) {
      return socket.send(
        JSON.stringify({ event: "error", code: "60012", msg: `Invalid request: ${text}` }),
      );
    }
    for (const arg of message.args) {
      requests.push(`${message.op} ${arg.channel} ${arg.instId}`);
      const channel = arg.channel ?? "";
      if (!CHANNELS.has(channel) || !listed.some((i) => i.instId === arg.instId)) {
        socket.send(JSON.stringify({
          event: "error",
          code: "60018",
          msg: `Wrong URL or channel:${arg.channel},instId:${arg.instId} doesn't exist.`,
        }));
        continue;
      }
      const key = `${arg.channel}:${arg.instId}`;
      if (message.op === "subscribe") sockets.get(socket)?.add(key);
      else sockets.get(socket)?.delete(key);
      socket.send(JSON.stringify({ event: message.op, arg, connId: "a4d3ae55" }));
      for (const w of [...waiters]) {
        if (message.op === "subscribe" && w.key === key) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    }
  }

  /** 1m candles ending with the forming one: open 100 + i, close 100.5 + i. */
  function candlesResponse(url: URL): Response {
    const limit = Math.min(300, Number(url.searchParams.get("limit") ?? 100));
    if (url.searchParams.get("bar") !== "1m") {
      return Response.json({ code: "0", msg: "", data: [] });
    }
    const forming = Math.floor(Date.now() / 60_000) * 60_000;
    const data = Array.from({ length: limit }, (_, k) => {
      const i = limit - 1 - k;
      const t = forming - (limit - 1 - i) * 60_000;
      const o = 100 + i;
      return [
        String(t),
        String(o),
        String(o + 1),
        String(o - 1),
        String(o + 0.5),
        "2",
        "200",
        "200",
        k === 0 ? "0" : "1",
      ];
    });
    return Response.json({ code: "0", msg: "", data });
  }

  function instrumentsResponse(url: URL): Response {
    if (url.searchParams.get("instType") !== "SPOT") {
      return Response.json({ code: "0", msg: "", data: [] });
    }
    return Response.json({
      code: "0",
      msg: "",
      data: listed.map((i) => ({
        instType: "SPOT",
        instId: i.instId,
        instFamily: "",
        uly: "",
        baseCcy: i.instId.split("-")[0],
        quoteCcy: i.instId.split("-")[1],
        settleCcy: "",
        ctVal: "",
        ctMult: "",
        ctValCcy: "",
        optType: "",
        stk: "",
        listTime: "1606468572000",
        expTime: "",
        lever: "10",
        tickSz: i.tickSz,
        lotSz: i.lotSz,
        minSz: i.minSz,
        ctType: "",
        alias: "",
        state: "live",
        maxLmtSz: "9999999999",
        maxMktSz: "1000000",
        maxLmtAmt: "20000000",
        maxMktAmt: "1000000",
        ruleType: "normal",
      })),
    });
  }

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const url = new URL(req.url);
    if (req.headers.get("upgrade") === "websocket") {
      if (url.pathname !== "/ws/v5/public") return new Response("not found", { status: 404 });
      const { socket, response } = Deno.upgradeWebSocket(req);
      sockets.set(socket, new Set());
      socket.onmessage = (e) => typeof e.data === "string" && onMessage(socket, e.data);
      socket.onclose = () => sockets.delete(socket);
      return response;
    }
    restRequests.push(url.pathname + url.search);
    if (url.pathname === "/api/v5/public/instruments") return instrumentsResponse(url);
    if (url.pathname === "/api/v5/market/candles") return candlesResponse(url);
    return Response.json({ code: "50001", msg: "Service temporarily unavailable", data: [] }, {
      status: 503,
    });
  });
  const base = `127.0.0.1:${server.addr.port}`;

  return Promise.resolve({
    restUrl: `http://${base}`,
    wsUrl: `ws://${base}/ws/v5/public`,
    requests,
    restRequests,
    trades(instId, trades) {
      const arg = { channel: "trades", instId };
      const data = trades.map((t) => ({
        instId,
        tradeId: String(t.id),
        px: String(t.px),
        sz: String(t.sz),
        side: t.id % 2 === 0 ? "sell" : "buy",
        ts: String(t.ts ?? Date.now()),
        count: "1",
      }));
      for (const [socket, keys] of sockets) {
        if (keys.has(`trades:${instId}`) && socket.readyState === WebSocket.OPEN) {
          socket.send(JSON.stringify({ arg, data }));
        }
      }
    },
    book(instId, action, ids, bids, asks) {
      const arg = { channel: "books", instId };
      const rows = (levels: [number, number][]) =>
        levels.map(([px, sz]) => [String(px), String(sz), "0", sz === 0 ? "0" : "1"]);
      const data = [{
        asks: rows(asks),
        bids: rows(bids),
        ts: String(Date.now()),
        checksum: 0,
        prevSeqId: ids.prevSeqId,
        seqId: ids.seqId,
      }];
      for (const [socket, keys] of sockets) {
        if (keys.has(`books:${instId}`) && socket.readyState === WebSocket.OPEN) {
          socket.send(JSON.stringify({ arg, action, data }));
        }
      }
    },
    ticker(instId, t) {
      const arg = { channel: "tickers", instId };
      const data = [{
        instType: "SPOT",
        instId,
        last: String(t.last),
        lastSz: "0.1",
        askPx: String(t.ask),
        askSz: "2",
        bidPx: String(t.bid),
        bidSz: "3",
        open24h: String(t.last),
        high24h: String(t.last),
        low24h: String(t.last),
        sodUtc0: String(t.last),
        sodUtc8: String(t.last),
        volCcy24h: "1000",
        vol24h: "10",
        ts: String(t.ts ?? Date.now()),
      }];
      for (const [socket, keys] of sockets) {
        if (keys.has(`tickers:${instId}`) && socket.readyState === WebSocket.OPEN) {
          socket.send(JSON.stringify({ arg, data }));
        }
      }
    },
    waitForSubscription(instId, channel = "trades", timeoutMs = 10_000) {
      const key = `${channel}:${instId}`;
      for (const keys of sockets.values()) {
        if (keys.has(key)) return Promise.resolve();
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no subscription to ${key} within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({ key, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
    dropAll() {
      for (const socket of sockets.keys()) socket.close(1001, "going away");
    },
    async close() {
      for (const socket of sockets.keys()) socket.close();
      await server.shutdown();
    },
  });
}
