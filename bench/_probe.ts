import { BENCH_T0, BenchFeed, FLIP_STRATEGY, wallNow } from "./_bench_feed.ts";
import { loadConfig } from "../engine/runtime/config.ts";
import { startService } from "../engine/runtime/service.ts";
const n = Number(Deno.args[0] ?? 20);
const feed = new BenchFeed();
const dataDir = await Deno.makeTempDir();
const service = await startService(loadConfig({ FEED: "sim", SYMBOLS: "BTCUSDT", DEMO_SESSION: "false", DATA_DIR: dataDir, ...(Deno.env.get("DBURL") ? { DATABASE_URL: Deno.env.get("DBURL") } : {}) }), { feed });
for (let i = 0; i < n; i++) await service.sessions.create({ strategy: FLIP_STRATEGY, symbol: "BTCUSDT" });
const a: number[] = [], b: number[] = [], c: number[] = [];
service.supervisor.onArrival((_id, effects, receivedAt) => {
  const now = wallNow();
  for (const e of effects) if (e.type === "fill") { const t = feed.emitted[e.fill.time - BENCH_T0]; a.push(receivedAt - t); b.push(now - receivedAt); c.push(now - t); }
});
await feed.stream(2000, 1);
a.length = b.length = c.length = 0;
await feed.stream(2000, 4);
const q = (x: number[], p: number) => x.sort((p1, q1) => p1 - q1)[Math.floor(p * (x.length - 1))];
console.log(`n=${n} emit→worker p50 ${q(a, .5).toFixed(2)} p99 ${q(a, .99).toFixed(2)} | worker→main p50 ${q(b, .5).toFixed(2)} p99 ${q(b, .99).toFixed(2)} | total p50 ${q(c, .5).toFixed(2)} p99 ${q(c, .99).toFixed(2)} (${c.length})`);
await service.close();
