/**
 * Closed candles rebuilt from the trades the cluster's market stream kept:
 * warm-up after a session moves or a node starts replays the stream instead
 * of asking the exchange again, when the stream reaches back far enough.
 */
import { DeliverPolicy, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { CandleAggregator } from "../../core/market/mod.ts";
import { type Candle, type Timeframe, timeframeMs, type Trade } from "../../core/types.ts";

/** Longest a replay may take before the caller asks the feed instead. */
const REPLAY_DEADLINE_MS = 10_000;

const decoder = new TextDecoder();

/** Where one symbol's trades are in the stream. */
export interface StreamTrades {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly stream: string;
  /** The subject of the symbol's trades. */
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
        aggregator.fold(trade.time, trade.price, trade.price, trade.price, trade.price, trade.qty);
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
