/**
 * Market data for the runtime: feeds (Binance live, other venues through
 * ccxt behind one venue abstraction, simulated, replay), the
 * recorder, the main thread's cache and hub, and the bus subscriber used in
 * session workers.
 *
 * @module
 */
export type { Feed, FeedName, FeedSink, FeedStatus, VenueFees } from "./feed.ts";
export { CcxtFeed, type CcxtFeedOptions } from "./ccxt_feed.ts";
export { VenueFeeds, type VenueFeedsOptions } from "./venues.ts";
export { parseVenueSymbol, type VenueSymbol } from "./venue.ts";
export { createFeed, type CreateFeedOptions } from "./create_feed.ts";
export {
  BINANCE_REST_URL,
  BINANCE_WS_URL,
  BinanceFeed,
  type BinanceFeedOptions,
  probeBinance,
} from "./binance_feed.ts";
export { SimFeed, type SimFeedOptions, SimPath, simStartPrice } from "./sim_feed.ts";
export { ReplayFeed, type ReplayFeedOptions } from "./replay_feed.ts";
export {
  binanceSymbol,
  csvSymbol,
  readLines,
  readRecording,
  type ReadRecordingOptions,
  toMs,
} from "./recording.ts";
export { record, type RecordOptions } from "./recorder.ts";
export {
  candleFrom,
  type DropReason,
  normaliseData,
  type ParsedMessage,
  parseMessage,
  streamsFor,
  toEnvelope,
} from "./binance_protocol.ts";
export { MarketCache, type MarketCacheOptions, type Ticker } from "./cache.ts";
export { CandleSeries } from "./candle_series.ts";
export { type HubHealth, type HubListener, MarketHub, type MarketHubOptions } from "./hub.ts";
export type { BusBatch, BusEvent } from "./bus.ts";
export { type BusRingSize, createBusRing } from "./bus_ring.ts";
export { BusReader } from "./bus_reader.ts";
export { BusSubscriber, type BusSubscriberOptions } from "./bus_subscriber.ts";
