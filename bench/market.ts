/**
 * Market data benchmarks: bus throughput to 1, 10 and 100 subscriber workers
 * (zero loss asserted), Binance trade message parse + normalise cost, and
 * the live feed's per-message cost: parse plus validation against the clock.
 */
import { type Benchmark, type Figure, measure, tradeRate } from "./figure.ts";
import { MarketHub } from "../engine/runtime/market/hub.ts";
import { SimFeed } from "../engine/runtime/market/sim_feed.ts";
import { parseMessage } from "../engine/runtime/market/binance_protocol.ts";
import { EventValidator } from "../engine/core/market/mod.ts";
import { BusWorkerPool } from "../fixtures/bus_pool.ts";

const SYMBOL = "BTCUSDT";

/** Trades/s one symbol's bus delivers to `workers` workers, none lost or reordered. */
export async function busFigure(workers: number, trades: number): Promise<Figure> {
  const hub = new MarketHub(new SimFeed(), { warmup: false });
  const pool = await BusWorkerPool.create(hub, workers, [SYMBOL]);
  const figure = tradeRate(
    `bus_trades_per_s_${workers}_worker${workers === 1 ? "" : "s"}`,
    workers === 100 ? 50_000 : undefined,
  );
  let id = 0;
  try {
    return await measure(async () => {
      const started = performance.now();
      for (let i = 0; i < trades; i++) {
        id++;
        hub.ingest({
          type: "trade",
          symbol: SYMBOL,
          id,
          price: 60_000 + (id % 100),
          qty: 0.01,
          time: id,
          buyerMaker: false,
        });
      }
      hub.flush();
      await pool.expect(id);
      const seconds = (performance.now() - started) / 1000;
      for (const r of await pool.reports()) {
        if (r.received !== id || !r.inOrder || r.stats.unrecoverable > 0) {
          throw new Error(`bus lost or reordered trades: ${JSON.stringify(r)} (expected ${id})`);
        }
      }
      return trades / seconds;
    }, figure);
  } finally {
    pool.close();
    await hub.close();
  }
}

/** ns per trade message: parsed, and with `validate` also checked as the live feed does. */
function parseFigure(messages: number, validate: boolean): Promise<Figure> {
  const start = Date.now();
  const frames = Array.from({ length: 1000 }, (_, i) =>
    JSON.stringify({
      stream: "btcusdt@trade",
      data: {
        e: "trade",
        E: start + i,
        s: "BTCUSDT",
        t: 1000 + i,
        p: `${60_000 + i / 100}`,
        q: "0.00123",
        T: start + i,
        m: i % 2 === 0,
        M: true,
      },
    }));
  return measure(() => {
    let ok = 0;
    let validator = new EventValidator();
    const started = performance.now();
    for (let i = 0; i < messages; i++) {
      const now = validate ? Date.now() : 0;
      const parsed = parseMessage(frames[i % frames.length], now);
      if (parsed.kind !== "event") continue;
      if (!validate) ok++;
      else {
        // The frames repeat every 1000: a fresh validator sees their ids anew.
        if (i % frames.length === 0) validator = new EventValidator();
        if (validator.check(parsed.event, now) === undefined) ok++;
      }
    }
    const ns = ((performance.now() - started) * 1e6) / messages;
    if (ok !== messages) throw new Error(`accepted ${ok} of ${messages} trade messages`);
    return ns;
  }, {
    name: validate ? "feed_parse_validate_ns_per_message" : "feed_parse_ns_per_message",
    unit: "ns",
    better: "lower",
  });
}

/** Bus throughput to 1/10/100 workers, feed parse cost, and parse + validation cost. */
export const benchMarket: Benchmark = async ({ quick }) => [
  await busFigure(1, quick ? 20_000 : 100_000),
  await busFigure(10, quick ? 20_000 : 100_000),
  await busFigure(100, quick ? 5_000 : 50_000),
  await parseFigure(quick ? 100_000 : 1_000_000, false),
  await parseFigure(quick ? 100_000 : 1_000_000, true),
];

if (import.meta.main) {
  const quick = Deno.args.includes("--quick");
  for (const f of await benchMarket({ quick })) console.log(JSON.stringify(f));
}
