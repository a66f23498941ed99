/**
 * A recorded stream for backtest tests: the simulated market's deterministic
 * path written as Binance combined-stream JSONL (what the recorder writes),
 * one trade and one quote per step, ending with a lone trade a minute after
 * the rest so that every session has an effect (an equity sample) at the very
 * last trade.
 */
import type { MarketEvent } from "../../engine/core/types.ts";
import { SimPath, toEnvelope } from "../../engine/runtime/market/mod.ts";

/** Options of {@link simStream}. */
export interface SimStreamOptions {
  readonly symbol?: string;
  readonly seed?: number;
  /** Exchange time of the first event (default 2026-01-01T00:00Z). */
  readonly start?: number;
  readonly durationMs: number;
  /** Time between trades (default 1000 ms). */
  readonly stepMs?: number;
}

/** The events of the stream, in order; the last one is the closing trade. */
export function simStream(options: SimStreamOptions): MarketEvent[] {
  const path = new SimPath(options.symbol ?? "BTCUSDT", options.seed ?? 2);
  const start = options.start ?? Date.UTC(2026, 0, 1);
  const step = options.stepMs ?? 1000;
  const events: MarketEvent[] = [];
  let t = start;
  for (; t < start + options.durationMs; t += step) events.push(...path.next(t));
  events.push(path.next(t - step + 60_000)[0]);
  return events;
}

/** Writes events as combined-stream JSONL; returns the time of the last trade. */
export async function writeStream(path: string, events: readonly MarketEvent[]): Promise<number> {
  await Deno.writeTextFile(
    path,
    events.map((e) => JSON.stringify(toEnvelope(e))).join("\n") + "\n",
  );
  let last = 0;
  for (const e of events) if (e.type === "trade") last = e.time;
  return last;
}
