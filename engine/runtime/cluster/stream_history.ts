/**
 * What the cluster's market stream kept, read back: closed candles rebuilt
 * from its trades (warm-up after a session moves or a node starts replays the
 * stream instead of asking the exchange again, when the stream reaches back
 * far enough), and a symbol's events between two points (a restored
 * session's catch-up).
 */
import { DeliverPolicy, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { CandleAggregator } from "../../core/market/mod.ts";
import {
  type Candle,
  type MarketEvent,
  type Timeframe,
  timeframeMs,
  type Trade,
} from "../../core/types.ts";

/** Longest a replay may take before the caller asks the feed instead. */
const REPLAY_DEADLINE_MS = 10_000;
/** Longest a catch-up's read of the stream may take before it is given up (a gap). */
const EVENTS_DEADLINE_MS = 30_000;

const decoder = new TextDecoder();

/** Where one symbol's trades (or all its events) are in the stream. */
export interface StreamTrades {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly stream: string;
  /** The subject of the symbol's trades (a filter such as `….BTCUSDT.>` for all its events). */
  readonly subject: string;
}

/**
 * The last `limit` closed candles of `timeframe` before the forming one, from
 * the stream's trades; undefined when the stream began after the first of
 * them (retention, or a young cluster) or holds no trade of the symbol.
 */
export async function streamCandles(
  source: StreamTrades,
  symbol: string,
  timeframe: Timeframe,
  limit: number,
  now = Date.now(),
): Promise<Candle[] | undefined> {
  const ms = timeframeMs(timeframe);
  const end = now - (now % ms); // the forming candle starts here: not history yet
  const start = end - limit * ms;
  const info = await source.jsm.streams.info(source.stream);
  if (info.state.messages === 0 || !(Date.parse(info.state.first_ts) <= start)) return undefined;
  const last = await source.jsm.streams.getMessage(source.stream, { last_by_subj: source.subject })
    .catch(() => null);
  if (!last) return undefined;
  if (last.time.getTime() < start) return []; // no trade since the window began
  const consumer = await source.js.consumers.get(source.stream, {
    filter_subjects: source.subject,
    deliver_policy: DeliverPolicy.StartTime,
    opt_start_time: new Date(start).toISOString(),
  });
  const messages = await consumer.consume();
  const timer = setTimeout(() => messages.stop(), REPLAY_DEADLINE_MS);
  const aggregator = new CandleAggregator(timeframe);
  const candles: Candle[] = [];
  let complete = false;
  try {
    for await (const message of messages) {
      for (const trade of JSON.parse(decoder.decode(message.data)) as Trade[]) {
        if (trade.time < start || trade.time >= end) continue;
        if (aggregator.endsBefore(trade.time)) {
          aggregator.closeForming();
          candles.push(aggregator.candle(symbol, true));
        }
        aggregator.foldTrade(trade);
      }
      if (message.seq >= last.seq) {
        complete = true;
        break;
      }
    }
  } finally {
    clearTimeout(timer);
    messages.stop();
  }
  if (!complete) return undefined;
  if (aggregator.forming) {
    aggregator.closeForming();
    candles.push(aggregator.candle(symbol, true));
  }
  return candles.slice(-limit);
}

/**
 * Every event of `source.subject` (a subject filter) in stream order, from
 * the messages stored from `from` (ms) on up to stream sequence `upTo`
 * included. Rejects when reading takes longer than {@link EVENTS_DEADLINE_MS}.
 */
export async function streamEvents(
  source: StreamTrades,
  from: number,
  upTo: number,
): Promise<MarketEvent[]> {
  const consumer = await source.js.consumers.get(source.stream, {
    filter_subjects: source.subject,
    deliver_policy: DeliverPolicy.StartTime,
    opt_start_time: new Date(from).toISOString(),
  });
  if ((await consumer.info(true)).num_pending === 0) return [];
  const messages = await consumer.consume();
  const timer = setTimeout(() => messages.stop(), EVENTS_DEADLINE_MS);
  const events: MarketEvent[] = [];
  let complete = false;
  try {
    for await (const message of messages) {
      if (message.seq > upTo) {
        complete = true;
        break;
      }
      events.push(...JSON.parse(decoder.decode(message.data)) as MarketEvent[]);
      if (message.seq === upTo || message.info.pending === 0) {
        complete = true;
        break;
      }
    }
  } finally {
    clearTimeout(timer);
    messages.stop();
  }
  if (!complete) throw new Error(`reading ${source.subject} took over ${EVENTS_DEADLINE_MS} ms`);
  return events;
}
