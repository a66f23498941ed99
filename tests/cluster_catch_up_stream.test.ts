// A node's catch-up of a restored session reads the market stream exactly
// between the session's durable state and the point where the node's hub
// goes on live: with the live events it gives every event after that state
// once, in order; and when the stream no longer reaches back, it is a gap.
import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { openDatabase } from "../db/mod.ts";
import type { MarketEvent, Trade } from "../engine/core/types.ts";
import { marketStream, SharedFeed } from "../engine/runtime/cluster/shared_feed.ts";
import { SimFeed } from "../engine/runtime/market/sim_feed.ts";
import { createLogger } from "../engine/runtime/log.ts";
import { clusterUnavailable, NATS_URL } from "./support/cluster.ts";
import { createServerDatabase } from "./support/databases.ts";
import { eventually } from "./support/wait.ts";

const unavailable = await clusterUnavailable();
if (unavailable) console.warn(`cluster tests skipped: ${unavailable}`);

Deno.test({
  name:
    "a catch-up replays the stream from a session's durable state to where the hub goes on, exactly, and reports a gap when the stream no longer reaches back",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const database = await createServerDatabase();
    const db = await openDatabase({ url: database.url });
    const nc = await connect({ servers: NATS_URL });
    const clusterId = `t${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
    const feed = new SharedFeed(new SimFeed({ rate: 50 }), {
      nc,
      clusterId,
      db,
      nodeId: "a",
      leaseMs: 30_000,
      retentionMs: 120_000,
      log: createLogger("error"),
    });
    // What this node's hub took from the stream, in order: its bus.
    const bus: MarketEvent[] = [];
    try {
      await feed.start(["BTCUSDT"], (event) => bus.push(event));
      const trades = () => bus.filter((e): e is Trade => e.type === "trade");
      await eventually(() => trades().length >= 150 || undefined, {
        timeoutMs: 30_000,
        what: "150 simulated trades read back from the stream",
      });

      // A session's durable state includes the bus up to a quote after trade 40 (the stream
      // may carry a turn's trades before its quotes: the state holds what came before, in bus order).
      const included = bus.findIndex((e) => e.type === "quote" && e.updateId >= trades()[40].id);
      assert.ok(included > 0, "the sim quotes after each trade");
      const last = bus.slice(0, included).findLast((e): e is Trade => e.type === "trade")!;
      const quote = bus[included] as Extract<MarketEvent, { type: "quote" }>;
      const point = { BTCUSDT: { trade: last.id, quote: quote.updateId, time: quote.time } };
      let seam = -1;
      const caught = await feed.catchUp(["BTCUSDT"], point, "1s", () => seam = bus.length);

      assert.deepEqual(caught.gaps, []);
      assert.equal(caught.startAfter.BTCUSDT, seam);
      assert.deepEqual(
        caught.replay.BTCUSDT,
        bus.slice(included + 1, seam),
        "the replay is every event after the state up to where the bus goes on",
      );
      const candle = last.time - (last.time % 1_000);
      assert.equal(
        caught.until.BTCUSDT,
        candle,
        "warm-up candles end where the forming one begins",
      );
      assert.deepEqual(
        caught.preroll,
        trades().filter((t) => t.time >= candle && t.id <= last.id),
        "the forming candle's trades the state includes",
      );
      assert.equal(feed.status().caught_up_events, seam - included - 1);

      // Retention dropped everything the state needs: a gap, and the session goes on live.
      await (await jetstreamManager(nc)).streams.purge(marketStream(clusterId));
      const gone = await feed.catchUp(["BTCUSDT"], point, "1s", () => bus.length);
      assert.deepEqual(gone.gaps, ["BTCUSDT"]);
      assert.deepEqual(gone.replay, {});
      assert.deepEqual(gone.preroll, []);
    } finally {
      await feed.close();
      await (await jetstreamManager(nc)).streams.delete(marketStream(clusterId)).catch(() => {});
      await nc.close();
      await db.close();
      await database.drop();
    }
  },
});
