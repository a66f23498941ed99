// Warm-up candles in a cluster come from the trades the market stream kept
// (no request to the exchange) when the stream reaches back far enough, and
// from the feed otherwise; the stream's retention follows the configuration.
import assert from "node:assert/strict";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { openDatabase } from "../db/mod.ts";
import type { Candle, MarketEvent, Trade } from "../engine/core/types.ts";
import { marketStream, SharedFeed } from "../engine/runtime/cluster/shared_feed.ts";
import type { Feed, FeedStatus } from "../engine/runtime/market/feed.ts";
import { createLogger } from "../engine/runtime/log.ts";
import { clusterUnavailable, NATS_URL } from "./support/cluster.ts";
import { createServerDatabase } from "./support/databases.ts";
import { eventually } from "./support/wait.ts";

const unavailable = await clusterUnavailable();
if (unavailable) console.warn(`cluster tests skipped: ${unavailable}`);

/** A feed whose trades the test sends and which counts the histories asked of it. */
class HandFeed implements Feed {
  readonly name = "sim" as const;
  readonly simulated = true;
  historyCalls = 0;
  #sink: ((event: MarketEvent) => void) | undefined;
  start(_symbols: readonly string[], sink: (event: MarketEvent) => void): Promise<void> {
    this.#sink = sink;
    return Promise.resolve();
  }
  send(trade: Trade): void {
    this.#sink?.(trade);
  }
  subscribe(): void {}
  unsubscribe(): void {}
  history(): Promise<Candle[]> {
    this.historyCalls++;
    return Promise.resolve([]);
  }
  filters(): Promise<undefined> {
    return Promise.resolve(undefined);
  }
  status(): FeedStatus {
    return {
      name: "sim",
      simulated: true,
      connected: true,
      last_event_at: null,
      reconnects: 0,
      gaps: [],
      dropped: {},
      events: 0,
    };
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

Deno.test({
  name: "a node's warm-up candles are rebuilt from the stream, and from the feed beyond it",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const database = await createServerDatabase();
    const db = await openDatabase({ url: database.url });
    const clusterId = `t${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
    const connections: NatsConnection[] = [];
    const feeds: SharedFeed[] = [];
    const join = async (nodeId: string, inner: Feed) => {
      const nc = await connect({ servers: NATS_URL });
      connections.push(nc);
      const feed = new SharedFeed(inner, {
        nc,
        clusterId,
        db,
        nodeId,
        leaseMs: 30_000,
        retentionMs: 120_000,
        log: createLogger("error"),
      });
      feeds.push(feed);
      await feed.start(["BTCUSDT"], () => {});
      return feed;
    };
    try {
      const ingesting = new HandFeed();
      await join("a", ingesting);
      const jsm = await jetstreamManager(connections[0]);
      const stream = await jsm.streams.info(marketStream(clusterId));
      assert.equal(stream.config.max_age, 120_000 * 1_000_000, "retention as configured");

      // Five seconds of trades, one every 100 ms, price = its index.
      const trades: Trade[] = [];
      const started = Date.now();
      for (let i = 0; Date.now() - started < 5_200; i++) {
        const trade: Trade = {
          type: "trade",
          symbol: "BTCUSDT",
          id: i + 1,
          price: 100 + i,
          qty: 1,
          time: Date.now(),
          buyerMaker: false,
        };
        trades.push(trade);
        ingesting.send(trade);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await eventually(async () => {
        const info = await jsm.streams.info(marketStream(clusterId));
        return info.state.messages > 0 || undefined;
      }, { what: "trades in the stream" });

      // Another node joins and warms up: 3 one-second candles, from the stream.
      const other = new HandFeed();
      const joined = await join("b", other);
      const candles = await joined.history("BTCUSDT", "1s", 3);
      assert.equal(other.historyCalls, 0, "the joining node did not ask its feed");
      assert.equal(candles.length, 3, JSON.stringify(candles));
      for (const candle of candles) {
        const inside = trades.filter((t) =>
          t.time >= candle.openTime && t.time <= candle.closeTime
        );
        assert.ok(inside.length > 0, `trades inside candle ${candle.openTime}`);
        assert.equal(candle.open, inside[0].price, "open is the first trade's price");
        assert.equal(candle.close, inside.at(-1)!.price, "close is the last trade's price");
        assert.equal(candle.volume, inside.length, "volume sums the quantities");
        assert.ok(candle.closed);
      }
      assert.ok(
        candles.every((c, i) => i === 0 || c.openTime === candles[i - 1].openTime + 1_000),
        "consecutive candles",
      );
      assert.equal(joined.status().histories_from_stream, 1);

      // An hour of 1m candles reaches back before the stream began: the feed is asked.
      await joined.history("BTCUSDT", "1m", 60);
      assert.equal(other.historyCalls, 1, "the feed answers beyond the stream");
    } finally {
      for (const feed of feeds) await feed.close();
      for (const nc of connections) {
        await (await jetstreamManager(nc)).streams.delete(marketStream(clusterId)).catch(() => {});
        await nc.close();
      }
      await db.close();
      await database.drop();
    }
  },
});
