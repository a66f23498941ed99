/**
 * The Binance spot public market-data feed (no API key): one combined-stream
 * WebSocket for trade and bookTicker (and optionally kline_1m) streams,
 * rate-limited SUBSCRIBE/UNSUBSCRIBE, reconnect with backoff and jitter,
 * a planned reconnect before the 24 h cut-off, validation of every event
 * against the wall clock (with trade-id gap detection), REST klines and
 * exchangeInfo, and optionally a local L2 book per symbol from the
 * `depth@100ms` diffs and REST depth snapshots (see `depth_sync.ts`).
 *
 * Pings: Deno's WebSocket answers protocol-level ping frames with pongs by
 * itself; the exchange sends no JSON pings.
 */
import type { Candle, MarketEvent, SymbolFilters, Timeframe } from "../../core/types.ts";
import type { BookSink, Feed, FeedSink, FeedStatus } from "./feed.ts";
import { DepthSync } from "./depth_sync.ts";
import { TradeBackfill } from "./trade_backfill.ts";
import { StatusTracker } from "./_feed_status.ts";
import { EventValidator, invalidEvent, type TimeBounds } from "../../core/market/mod.ts";
import {
  candleFrom,
  depthSnapshot,
  historicalTrades,
  parseMessage,
  partialDepthEnvelope,
  streamsFor,
  toEnvelope,
} from "./binance_protocol.ts";
import { errorText } from "../../core/error_text.ts";

/** Options of {@link BinanceFeed}. */
export interface BinanceFeedOptions {
  /** WebSocket base URL (default `wss://stream.binance.com:9443`). */
  wsUrl?: string;
  /** REST base URL (default `https://api.binance.com`). */
  restUrl?: string;
  /** Wall clock in ms (default `Date.now`). */
  now?: () => number;
  /** Also subscribe to `kline_1m` streams (default false). */
  klines?: boolean;
  /** Reconnect (make-before-break) after this long on one connection (default 23 h 30 min). */
  maxConnectionMs?: number;
  /** Minimum spacing of control messages in ms (default 250, i.e. ≤ 4/s under the 5/s limit). */
  controlIntervalMs?: number;
  /** Also follow each symbol's L2 book (`depth@100ms` plus REST snapshots; default false). */
  depth?: boolean;
  /** Least time between two depth snapshots of a symbol, in ms (default 1000). */
  depthRetryMs?: number;
  /**
   * Hears the text of every frame that carried a valid event (for recording);
   * with `depth`, also each depth diff of a followed symbol and, after each
   * book sync, the whole book as a partial-depth envelope with `E` added.
   */
  onRaw?: (text: string) => void;
  /** Overrides of the validator's time bounds (`DEFAULT_TIME_BOUNDS`). */
  timeBounds?: Partial<TimeBounds>;
}

/** Default WebSocket base URL. */
export const BINANCE_WS_URL = "wss://stream.binance.com:9443";
/** Default REST base URL. */
export const BINANCE_REST_URL = "https://api.binance.com";
const MAX_PARAMS_PER_MESSAGE = 200;

/**
 * Checks that the exchange answers `GET /api/v3/ping` within `timeoutMs`.
 * Returns undefined when it does, otherwise the error text.
 */
export async function probeBinance(restUrl: string, timeoutMs = 3000): Promise<string | undefined> {
  try {
    const res = await fetch(`${restUrl}/api/v3/ping`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return res.ok ? undefined : `HTTP ${res.status} from ${restUrl}/api/v3/ping`;
  } catch (error) {
    return errorText(error);
  }
}

/** The live Binance feed. */
export class BinanceFeed implements Feed {
  readonly name = "binance" as const;
  readonly simulated = false;
  #wsUrl: string;
  #restUrl: string;
  #now: () => number;
  #klines: boolean;
  #depth: boolean;
  #depthRetryMs: number;
  #books?: DepthSync;
  #maxConnectionMs: number;
  #controlIntervalMs: number;
  #onRaw?: (text: string) => void;
  #status: StatusTracker;
  #validator: EventValidator;
  #backfill: TradeBackfill;
  #symbols = new Set<string>();
  #sink?: FeedSink;
  #ws?: WebSocket;
  #retiring?: WebSocket;
  #everOpen = false;
  #attempt = 0;
  #closed = false;
  #lastTime = 0;
  #control: { method: "SUBSCRIBE" | "UNSUBSCRIBE"; params: string[] }[] = [];
  #lastControlAt = -Infinity;
  #nextId = 1;
  #controlTimer?: ReturnType<typeof setTimeout>;
  #reconnectTimer?: ReturnType<typeof setTimeout>;
  #plannedTimer?: ReturnType<typeof setTimeout>;
  #filters = new Map<string, Promise<SymbolFilters | undefined>>();

  constructor(options: BinanceFeedOptions = {}) {
    this.#wsUrl = (options.wsUrl ?? BINANCE_WS_URL).replace(/\/+$/, "");
    this.#restUrl = (options.restUrl ?? BINANCE_REST_URL).replace(/\/+$/, "");
    this.#now = options.now ?? Date.now;
    this.#klines = options.klines ?? false;
    this.#depth = options.depth ?? false;
    this.#depthRetryMs = options.depthRetryMs ?? 1000;
    this.#maxConnectionMs = options.maxConnectionMs ?? 23.5 * 3_600_000;
    this.#controlIntervalMs = options.controlIntervalMs ?? 250;
    this.#onRaw = options.onRaw;
    this.#status = new StatusTracker("binance", false, this.#now);
    this.#validator = new EventValidator({
      bounds: options.timeBounds,
      onGap: (symbol, from, to) => this.#status.gap(symbol, from, to),
    });
    this.#backfill = new TradeBackfill({
      fetch: async (symbol, fromId, limit) =>
        historicalTrades(
          symbol,
          await this.#get(
            `/api/v3/historicalTrades?symbol=${encodeURIComponent(symbol)}&fromId=${fromId}` +
              `&limit=${limit}`,
          ),
        ),
      deliver: (event, backfilled) => this.#accept(event, this.#now(), backfilled),
      onFailure: () => this.#status.backfillFailure(),
    });
  }

  /** Delivers the L2 books (only with the `depth` option). */
  books(sink: BookSink): void {
    if (!this.#depth) return;
    this.#books?.close();
    this.#books = new DepthSync({
      snapshot: async (symbol) =>
        depthSnapshot(
          symbol,
          await this.#get(`/api/v3/depth?symbol=${encodeURIComponent(symbol)}&limit=1000`),
        ),
      sink,
      retryMs: this.#depthRetryMs,
      onSync: () => this.#status.bookSync(),
      onSynced: this.#onRaw &&
        ((symbol, book, time) =>
          this.#onRaw!(JSON.stringify(partialDepthEnvelope(symbol, book, time)))),
      onProblem: (reason) => this.#status.drop(reason),
    });
  }

  #streams(symbols: readonly string[]): string[] {
    return symbols.flatMap((s) => streamsFor(s, { klines: this.#klines, depth: this.#depth }));
  }

  /** Connects; resolves after the first attempt opened or failed (failures are retried). */
  start(symbols: readonly string[], sink: FeedSink): Promise<void> {
    this.#sink = sink;
    for (const s of symbols) this.#symbols.add(s.toUpperCase());
    return new Promise((resolve) => this.#connect(resolve));
  }

  #connect(settled?: () => void): void {
    const streams = this.#streams([...this.#symbols]);
    const url = `${this.#wsUrl}/stream${streams.length ? `?streams=${streams.join("/")}` : ""}`;
    this.#control = [];
    let ws: WebSocket;
    try {
      ws = new WebSocket(url);
    } catch (error) {
      this.#status.connection(false, `binance unreachable: ${(error as Error).message}`);
      this.#scheduleReconnect();
      settled?.();
      return;
    }
    this.#ws = ws;
    ws.onopen = () => {
      if (ws !== this.#ws) return;
      if (this.#everOpen) this.#status.reconnect();
      // Diffs were missed while disconnected (a planned reconnect misses none).
      if (this.#everOpen && this.#retiring === undefined) this.#books?.reset();
      this.#everOpen = true;
      this.#attempt = 0;
      this.#status.connection(true);
      this.#retiring?.close(1000, "planned reconnect");
      this.#retiring = undefined;
      this.#plannedTimer = setTimeout(() => this.#plannedReconnect(), this.#maxConnectionMs);
      settled?.();
    };
    ws.onmessage = (e: MessageEvent) => {
      if (typeof e.data === "string") this.#message(e.data);
      else this.#status.drop("unknown_message");
    };
    ws.onerror = (e: Event) => {
      if (ws !== this.#ws) return;
      const message = e instanceof ErrorEvent ? e.message : "WebSocket error";
      this.#status.connection(false, `binance unreachable: ${message}`);
    };
    ws.onclose = (e: CloseEvent) => {
      if (ws !== this.#ws) return;
      clearTimeout(this.#plannedTimer);
      const previous = this.#status.snapshot();
      if (previous.connected || !previous.reason) {
        this.#status.connection(
          false,
          `connection closed (code ${e.code}${e.reason ? `: ${e.reason}` : ""})`,
        );
      }
      settled?.();
      if (!this.#closed) this.#scheduleReconnect();
    };
  }

  #scheduleReconnect(): void {
    if (this.#closed) return;
    const attempt = this.#attempt++;
    // First retry within 100–300 ms, then exponential backoff with jitter, capped at 30 s.
    const delay = attempt === 0
      ? 100 + Math.random() * 200
      : Math.min(30_000, 500 * 2 ** attempt) * (0.5 + Math.random() * 0.5);
    this.#reconnectTimer = setTimeout(() => this.#connect(), delay);
  }

  #plannedReconnect(): void {
    if (this.#closed) return;
    this.#retiring = this.#ws;
    this.#connect();
  }

  #message(text: string): void {
    const now = this.#now();
    const parsed = parseMessage(text, this.#lastTime || now);
    if (parsed.kind === "dropped") return this.#status.drop(parsed.reason);
    if (parsed.kind === "reply") {
      if (parsed.error) this.#status.drop("control_error");
      return;
    }
    if (parsed.kind === "depth") {
      if (!this.#symbols.has(parsed.symbol)) return this.#status.drop("unknown_symbol");
      this.#books?.diff(parsed.symbol, parsed.diff, parsed.time > 0 ? parsed.time : now);
      this.#onRaw?.(text);
      return;
    }
    if (parsed.kind === "partial") return this.#status.drop("unknown_message");
    const event = parsed.event;
    if (!this.#symbols.has(event.symbol)) return this.#status.drop("unknown_symbol");
    if (!this.#backfill.hold(event)) this.#accept(event, now, false, text);
  }

  /** Validates and delivers an event (live, held behind a backfill, or fetched over REST). */
  #accept(event: MarketEvent, now: number, backfilled: boolean, text?: string): void {
    if (this.#closed || !this.#symbols.has(event.symbol)) return;
    const reason = this.#validator.check(event, now);
    if (reason) return this.#status.drop(reason);
    if (event.type === "trade") {
      this.#lastTime = Math.max(this.#lastTime, event.time);
      this.#backfill.delivered(event);
      if (backfilled) this.#status.backfilled();
    }
    this.#status.event(now);
    this.#onRaw?.(text ?? JSON.stringify(toEnvelope(event)));
    this.#sink?.(event);
  }

  subscribe(symbols: readonly string[]): void {
    const added = symbols.map((s) => s.toUpperCase()).filter((s) => !this.#symbols.has(s));
    for (const s of added) this.#symbols.add(s);
    this.#enqueue("SUBSCRIBE", added);
  }

  unsubscribe(symbols: readonly string[]): void {
    const removed = symbols.map((s) => s.toUpperCase()).filter((s) => this.#symbols.has(s));
    for (const s of removed) {
      this.#symbols.delete(s);
      this.#validator.forget(s);
      this.#backfill.forget(s);
      this.#books?.forget(s);
    }
    this.#enqueue("UNSUBSCRIBE", removed);
  }

  #enqueue(method: "SUBSCRIBE" | "UNSUBSCRIBE", symbols: readonly string[]): void {
    // Before the socket opens, the connect URL carries the current symbols.
    if (symbols.length === 0 || this.#ws?.readyState !== WebSocket.OPEN) return;
    const params = this.#streams(symbols);
    const last = this.#control.at(-1);
    if (last?.method === method && last.params.length + params.length <= MAX_PARAMS_PER_MESSAGE) {
      last.params.push(...params);
    } else {
      this.#control.push({ method, params });
    }
    this.#pump();
  }

  #pump(): void {
    if (this.#controlTimer !== undefined || this.#control.length === 0) return;
    const wait = this.#lastControlAt + this.#controlIntervalMs - performance.now();
    if (wait > 0) {
      this.#controlTimer = setTimeout(() => {
        this.#controlTimer = undefined;
        this.#pump();
      }, wait);
      return;
    }
    const ws = this.#ws;
    if (ws?.readyState !== WebSocket.OPEN) return;
    const message = this.#control.shift()!;
    ws.send(JSON.stringify({ ...message, id: this.#nextId++ }));
    this.#lastControlAt = performance.now();
    this.#pump();
  }

  async #get(path: string): Promise<unknown> {
    const res = await fetch(`${this.#restUrl}${path}`, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`GET ${path} failed with HTTP ${res.status}`);
    }
    return await res.json();
  }

  async history(symbol: string, timeframe: Timeframe, limit: number): Promise<Candle[]> {
    const n = Math.max(1, Math.min(1000, Math.floor(limit)));
    const rows = await this.#get(
      `/api/v3/klines?symbol=${encodeURIComponent(symbol)}&interval=${timeframe}&limit=${n}`,
    );
    if (!Array.isArray(rows)) throw new TypeError(`klines of ${symbol}: expected an array`);
    const now = this.#now();
    const out: Candle[] = [];
    for (const row of rows) {
      if (!Array.isArray(row)) continue;
      const candle = candleFrom(symbol, timeframe, row, true);
      if (!invalidEvent(candle) && candle.closeTime < now) out.push(candle);
    }
    return out;
  }

  filters(symbol: string): Promise<SymbolFilters | undefined> {
    let cached = this.#filters.get(symbol);
    if (!cached) {
      cached = this.#loadFilters(symbol);
      cached.catch(() => this.#filters.delete(symbol));
      this.#filters.set(symbol, cached);
    }
    return cached;
  }

  async #loadFilters(symbol: string): Promise<SymbolFilters | undefined> {
    const info = await this.#get(`/api/v3/exchangeInfo?symbol=${encodeURIComponent(symbol)}`) as {
      symbols?: {
        symbol: string;
        baseAsset: string;
        quoteAsset: string;
        filters: Record<string, string>[];
      }[];
    };
    const entry = info.symbols?.find((s) => s.symbol === symbol);
    if (!entry) return undefined;
    const filter = (type: string) => entry.filters.find((f) => f.filterType === type);
    return {
      tickSize: Number(filter("PRICE_FILTER")?.tickSize ?? 0),
      stepSize: Number(filter("LOT_SIZE")?.stepSize ?? 0),
      minNotional: Number((filter("NOTIONAL") ?? filter("MIN_NOTIONAL"))?.minNotional ?? 0),
      base: entry.baseAsset,
      quote: entry.quoteAsset,
    };
  }

  status(): FeedStatus {
    return this.#status.snapshot();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#backfill.close();
    this.#books?.close();
    clearTimeout(this.#controlTimer);
    clearTimeout(this.#reconnectTimer);
    clearTimeout(this.#plannedTimer);
    this.#status.connection(false, "closed");
    await Promise.all([this.#ws, this.#retiring].map(closeSocket));
    this.#ws = this.#retiring = undefined;
  }
}

function closeSocket(ws: WebSocket | undefined): Promise<void> {
  if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 2000);
    ws.addEventListener("close", () => {
      clearTimeout(timer);
      resolve();
    });
    if (ws.readyState !== WebSocket.CLOSING) ws.close(1000, "feed closed");
  });
}
