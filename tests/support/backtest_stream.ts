/**
 * A recorded stream for backtest tests: the simulated market's deterministic
 * path written as Binance combined-stream JSONL (what the recorder writes),
 * one trade and one quote per step, ending with a lone trade a minute after
 * the rest so that every session has an effect (an equity sample) at the very
 * last trade. With books, each quote is followed by the L2 book around it: a
 * partial-depth envelope (with `E`, as the recorder writes) every 60 quotes
 * and depth diffs in between.
 */
import type { Level, MarketEvent, Quote } from "../../engine/core/types.ts";
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

/** The levels of a book around a quote: 5 per side, 0.5 apart, thin at the top. */
function levelsAround(quote: Quote): { bids: Level[]; asks: Level[] } {
  const side = (best: number, dir: number) =>
    Array.from({ length: 5 }, (_, i): Level => [best + dir * i * 0.5, 0.01 + i * 0.05]);
  return { bids: side(quote.bid, -1), asks: side(quote.ask, 1) };
}

/** Book lines after each quote: a whole book every 60 quotes, diffs from the previous one between. */
function bookLines(): (quote: Quote) => string {
  let count = 0;
  let previous: { bids: Level[]; asks: Level[] } | undefined;
  const text = (levels: Level[]) => levels.map(([p, q]) => [String(p), String(q)]);
  return (quote) => {
    const id = ++count * 10;
    const next = levelsAround(quote);
    const s = quote.symbol.toLowerCase();
    let line;
    if (previous === undefined || count % 60 === 1) {
      const data = {
        lastUpdateId: id,
        E: quote.time,
        bids: text(next.bids),
        asks: text(next.asks),
      };
      line = { stream: `${s}@depth20@100ms`, data };
    } else {
      const removed = (levels: Level[]) => levels.map(([p]): Level => [p, 0]);
      line = {
        stream: `${s}@depth@100ms`,
        data: {
          e: "depthUpdate",
          E: quote.time,
          s: quote.symbol,
          U: id - 9,
          u: id,
          b: text([...removed(previous.bids), ...next.bids]),
          a: text([...removed(previous.asks), ...next.asks]),
        },
      };
    }
    previous = next;
    return JSON.stringify(line);
  };
}

/**
 * Writes events as combined-stream JSONL (with an L2 book after each quote
 * when `books`); returns the time of the last trade.
 */
export async function writeStream(
  path: string,
  events: readonly MarketEvent[],
  options: { books?: boolean } = {},
): Promise<number> {
  const book = options.books ? bookLines() : undefined;
  const lines = events.map((e) => {
    const line = JSON.stringify(toEnvelope(e));
    return book && e.type === "quote" ? `${line}\n${book(e)}` : line;
  });
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
  let last = 0;
  for (const e of events) if (e.type === "trade") last = e.time;
  return last;
}
