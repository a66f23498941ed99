/** Picks and builds a feed from a spec string: `auto`, `sim`, `binance` or `replay:PATH`. */
import type { TimeBounds } from "../../core/market/mod.ts";
import type { Feed } from "./feed.ts";
import { BINANCE_REST_URL, BinanceFeed, probeBinance } from "./binance_feed.ts";
import { SimFeed } from "./sim_feed.ts";
import { ReplayFeed } from "./replay_feed.ts";

/** Options of {@link createFeed}. */
export interface CreateFeedOptions {
  binanceWsUrl?: string;
  binanceRestUrl?: string;
  /** Seed of the simulated feed. */
  seed?: number;
  /** Simulated trades per second per symbol (default 20). */
  simRate?: number;
  /** Replay speed (default 1 = real time). */
  replaySpeed?: number | "max";
  /** Wall clock in ms (default `Date.now`). */
  now?: () => number;
  /** Binance: also subscribe to kline_1m. */
  klines?: boolean;
  /** Binance: also follow each symbol's L2 book (depth diffs plus REST snapshots). */
  depth?: boolean;
  /** How long `auto` waits for the exchange (default 3000 ms). */
  probeTimeoutMs?: number;
  /** Hears every valid frame as Binance envelope text (sim and binance), for recording. */
  onRaw?: (text: string) => void;
  /** Overrides of the validator's time bounds (`DEFAULT_TIME_BOUNDS`). */
  timeBounds?: Partial<TimeBounds>;
}

/**
 * Builds a feed. `auto` uses Binance when `GET /api/v3/ping` answers within
 * ~3 s, otherwise the simulated feed with the reason in `status().reason`.
 * `binance` never falls back: an unreachable exchange is reported and retried.
 */
export async function createFeed(spec: string, options: CreateFeedOptions = {}): Promise<Feed> {
  const binance = () =>
    new BinanceFeed({
      wsUrl: options.binanceWsUrl,
      restUrl: options.binanceRestUrl,
      now: options.now,
      klines: options.klines,
      depth: options.depth,
      onRaw: options.onRaw,
      timeBounds: options.timeBounds,
    });
  const sim = (reason?: string) =>
    new SimFeed({
      seed: options.seed,
      rate: options.simRate,
      now: options.now,
      onRaw: options.onRaw,
      reason,
      timeBounds: options.timeBounds,
    });
  if (spec === "sim") return sim();
  if (spec === "binance") return binance();
  if (spec.startsWith("replay:")) {
    const path = spec.slice("replay:".length);
    if (!path) throw new TypeError(`feed spec '${spec}' has no path`);
    return new ReplayFeed(path, {
      speed: options.replaySpeed,
      now: options.now,
      timeBounds: options.timeBounds,
    });
  }
  if (spec === "auto") {
    const rest = options.binanceRestUrl ?? BINANCE_REST_URL;
    const error = await probeBinance(rest, options.probeTimeoutMs ?? 3000);
    return error === undefined
      ? binance()
      : sim(`binance unreachable: ${error}; using simulated data`);
  }
  throw new TypeError(
    `unknown feed spec '${spec}' (expected auto, sim, binance or replay:PATH)`,
  );
}
