import { BENCH_T0, BenchFeed, FLIP_STRATEGY, wallNow } from "./_bench_feed.ts";
import { loadConfig } from "../engine/runtime/config.ts";
import { startService } from "../engine/runtime/service.ts";
const feed = new BenchFeed();
const dataDir = await Deno.makeTempDir();
const service = await startService(
  loadConfig({ FEED: "sim", SYMBOLS: "BTCUSDT", DEMO_SESSION: "false", DATA_DIR: dataDir }),
  { feed },
);
await service.sessions.create({ strategy: FLIP_STRATEGY, symbol: "BTCUSDT" });
const a: number[] = [], b: number[] = [];
service.supervisor.onArrival((_id, effects, receivedAt) => {
  const now = wallNow();
  for (const e of effects) {
    if (e.type === "fill") {
      const t = feed.emitted[e.fill.time - BENCH_T0];
      a.push(receivedAt - t);
      b.push(now - receivedAt);
    }
  }
});
await feed.stream(2000, 4);
const med = (x: number[]) => x.sort((p, q) => p - q)[x.length >> 1];
console.log("emit→worker", med(a).toFixed(3), "worker→main", med(b).toFixed(3), a.length);
await service.close();
