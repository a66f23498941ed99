/**
 * A seeded, deterministic simulated market: a random walk with volatility
 * regimes and bursts, trade sizes, and bid/ask quotes. Times follow the real
 * clock; the price path depends only on the seed and the event index. Every
 * event passes the event validator, as the exchange feed's do.
 */
import type { Candle, MarketEvent, SymbolFilters, Timeframe } from "../../core/types.ts";
import { timeframeMs } from "../../core/types.ts";
import type { Feed, FeedSink, FeedStatus } from "./feed.ts";
import { StatusTracker } from "./_feed_status.ts";
import { hashSeed, Prng } from "./_prng.ts";
import { EventValidator, type TimeBounds } from "../../core/market/mod.ts";
import { toEnvelope } from "./binance_protocol.ts";

/** Options of {@link SimFeed}. */
export interface SimFeedOptions {
  /** PRNG seed (default 1). */
  seed?: number;
  /** Trades per second per symbol (default 20). */
  rate?: number;
  /** Wall clock in ms (default `Date.now`). */
  now?: () => number;
  /** Hears every event as a Binance combined-stream envelope (JSON text), e.g. for recording. */
  onRaw?: (text: string) => void;
  /** Why the simulated feed is used (shown in the status reason). */
  reason?: string;
  /** Overrides of the validator's time bounds (`DEFAULT_TIME_BOUNDS`). */
  timeBounds?: Partial<TimeBounds>;
}

const START_PRICES: Record<string, number> = {
  BTCUSDT: 60_000,
  ETHUSDT: 3_000,
  BNBUSDT: 600,
  SOLUSDT: 150,
};
/** Per-trade volatility of the calm, normal and volatile regimes (normal ≈ 0.8% an hour at 20 trades/s, like BTC). */
const REGIME_VOL = [0.00001, 0.00003, 0.0001];
const TICK_MS = 50;

/** The starting price of a simulated symbol. */
export function simStartPrice(symbol: string): number {
  return START_PRICES[symbol] ?? 100;
}

/** Generates the deterministic event stream of one symbol. */
export class SimPath {
  readonly symbol: string;
  #prng: Prng;
  #price: number;
  #regime = 1;
  #burst = 0;
  #burstDrift = 0;
  #index = 0;
  readonly #seed: number;

  constructor(symbol: string, seed: number) {
    this.symbol = symbol;
    this.#seed = seed;
    this.#prng = new Prng(hashSeed(seed, symbol));
    this.#price = simStartPrice(symbol);
  }

  /**
   * Continues after trade `lastId` at `lastPrice` (a path another process ran):
   * ids and price go on from there; the draws after it come from the seed and
   * `lastId`, so two processes continuing the same trade agree.
   */
  continueAfter(lastId: number, lastPrice: number): void {
    this.#prng = new Prng(hashSeed(this.#seed, this.symbol, String(lastId)));
    this.#index = lastId;
    this.#price = lastPrice;
  }

  /** The next trade and the quote after it, at `time`. */
  next(time: number): [MarketEvent, MarketEvent] {
    const r = this.#prng;
    if (r.next() < 0.002) this.#regime = Math.floor(r.next() * REGIME_VOL.length);
    if (this.#burst === 0 && r.next() < 0.002) {
      this.#burst = 20 + Math.floor(r.next() * 30);
      this.#burstDrift = (r.next() < 0.5 ? -1 : 1) * REGIME_VOL[2];
    }
    let drift = 0;
    if (this.#burst > 0) {
      this.#burst--;
      drift = this.#burstDrift;
    }
    const vol = REGIME_VOL[this.#regime] * (this.#burst > 0 ? 2 : 1);
    this.#price *= Math.exp(drift + vol * r.gauss());
    const price = roundTo(this.#price, 0.01);
    const qty = roundTo(Math.max(0.00001, (500 / price) * Math.exp(r.gauss())), 0.00001);
    const buyerMaker = r.next() < 0.5;
    const half = Math.max(0.01, roundTo(price * 0.00005 * (1 + this.#regime), 0.01));
    const id = ++this.#index;
    return [
      { type: "trade", symbol: this.symbol, id, price, qty, time, buyerMaker },
      {
        type: "quote",
        symbol: this.symbol,
        updateId: id,
        bid: roundTo(price - half, 0.01),
        bidQty: roundTo(r.next() * 5 + 0.001, 0.001),
        ask: roundTo(price + half, 0.01),
        askQty: roundTo(r.next() * 5 + 0.001, 0.001),
        time,
      },
    ];
  }
}

function roundTo(value: number, step: number): number {
  return Number((Math.round(value / step) * step).toFixed(8));
}

/** The simulated feed (always `simulated: true`). */
export class SimFeed implements Feed {
  readonly name = "sim" as const;
  readonly simulated = true;
  #seed: number;
  #rate: number;
  #now: () => number;
  #onRaw?: (text: string) => void;
  #reason?: string;
  #status: StatusTracker;
  #validator: EventValidator;
  #paths = new Map<string, { path: SimPath; started: number; emitted: number }>();
  /** Where a symbol taken over from another process goes on from. */
  #continued = new Map<string, { id: number; price: number }>();
  #sink?: FeedSink;
  #timer?: ReturnType<typeof setInterval>;

  constructor(options: SimFeedOptions = {}) {
    this.#seed = options.seed ?? 1;
    this.#rate = options.rate ?? 20;
    this.#now = options.now ?? Date.now;
    this.#onRaw = options.onRaw;
    this.#reason = options.reason;
    this.#status = new StatusTracker("sim", true, this.#now);
    this.#validator = new EventValidator({ bounds: options.timeBounds });
  }

  start(symbols: readonly string[], sink: FeedSink): Promise<void> {
    this.#sink = sink;
    this.subscribe(symbols);
    this.#status.connection(true, this.#reason ?? `simulated data (seed ${this.#seed})`);
    this.#timer = setInterval(() => this.#tick(), TICK_MS);
    return Promise.resolve();
  }

  subscribe(symbols: readonly string[]): void {
    for (const symbol of symbols) {
      if (this.#paths.has(symbol)) continue;
      const path = new SimPath(symbol, this.#seed);
      const last = this.#continued.get(symbol);
      if (last) path.continueAfter(last.id, last.price);
      this.#continued.delete(symbol);
      this.#paths.set(symbol, { path, started: this.#now(), emitted: 0 });
    }
  }

  /**
   * Continues the path of `symbol` another process ran: the next trade is
   * `last.id + 1`, moving on from `last.price` (see {@link SimPath.continueAfter}).
   */
  continueAfter(symbol: string, last: { id: number; price: number }): void {
    if (this.#paths.has(symbol)) return;
    this.#continued.set(symbol, last);
  }

  unsubscribe(symbols: readonly string[]): void {
    for (const symbol of symbols) {
      this.#paths.delete(symbol);
      this.#validator.forget(symbol);
    }
  }

  #tick(): void {
    const now = this.#now();
    for (const entry of this.#paths.values()) {
      const due = Math.floor(((now - entry.started) / 1000) * this.#rate) - entry.emitted;
      // After a stall, skip ahead rather than flood: at most one second of trades per tick.
      const count = Math.min(due, Math.max(1, this.#rate));
      entry.emitted += Math.max(0, due);
      for (let i = 0; i < count; i++) {
        for (const event of entry.path.next(now)) this.#emit(event, now);
      }
    }
  }

  #emit(event: MarketEvent, now: number): void {
    const reason = this.#validator.check(event, now);
    if (reason) return this.#status.drop(reason);
    this.#status.event(now);
    this.#onRaw?.(JSON.stringify(toEnvelope(event)));
    this.#sink?.(event);
  }

  history(symbol: string, timeframe: Timeframe, limit: number): Promise<Candle[]> {
    const step = timeframeMs(timeframe);
    const end = Math.floor(this.#now() / step) * step;
    const prng = new Prng(hashSeed(this.#seed, symbol, timeframe, "history"));
    const vol = REGIME_VOL[1] * Math.sqrt(Math.max(1, (step / 1000) * this.#rate));
    const candles: Candle[] = [];
    let close = simStartPrice(symbol);
    for (let i = 1; i <= limit; i++) {
      const open = close / Math.exp(vol * prng.gauss());
      const high = Math.max(open, close) * (1 + Math.abs(prng.gauss()) * vol / 2);
      const low = Math.min(open, close) * (1 - Math.abs(prng.gauss()) * vol / 2);
      const openTime = end - i * step;
      candles.push({
        type: "candle",
        symbol,
        timeframe,
        openTime,
        closeTime: openTime + step - 1,
        open: roundTo(open, 0.01),
        high: roundTo(high, 0.01),
        low: roundTo(low, 0.01),
        close: roundTo(close, 0.01),
        volume: roundTo((step / 1000) * this.#rate * (500 / close) * (0.5 + prng.next()), 0.00001),
        closed: true,
      });
      close = open;
    }
    return Promise.resolve(candles.reverse());
  }

  filters(_symbol: string): Promise<SymbolFilters | undefined> {
    return Promise.resolve(undefined);
  }

  status(): FeedStatus {
    return this.#status.snapshot();
  }

  close(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#status.connection(false, "closed");
    return Promise.resolve();
  }
}
