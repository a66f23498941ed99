/**
 * Session runtime benchmarks: tick-to-trade latency (in memory and durable) at
 * 1 and 100 sessions, session-tick throughput at 100 sessions, memory and
 * start time at scale, false restarts and catch-up beside two CPU hogs,
 * restore after SIGKILL, and API requests/s. Figures named `_pooled` run
 * with `SESSIONS_PER_WORKER=50` (several sessions in one worker).
 */
import { sessionInputSchema } from "../contract/schemas.ts";
import { type Figure, summarise } from "./figure.ts";
import { BENCH_T0, BenchFeed, FLIP_STRATEGY, wallNow } from "../fixtures/bench_feed.ts";
import { loadConfig } from "../engine/runtime/config.ts";
import { type Service, startService } from "../engine/runtime/service.ts";
import { createApp } from "../routes/app.ts";
import { settledWithin } from "../engine/runtime/deadline.ts";

async function benchService(
  feed: BenchFeed,
  dataDir: string,
  env: Record<string, string> = {},
  symbols = ["BTCUSDT"],
): Promise<Service> {
  return await startService(
    loadConfig({
      FEED: "sim",
      SYMBOLS: symbols.join(","),
      DEMO_SESSION: "false",
      DATA_DIR: dataDir,
      MAX_SESSIONS: "2000", // the scale benchmark runs 1000, above this machine's default cap
      ...env,
    }),
    { feed },
  );
}

async function startSessions(
  service: Service,
  count: number,
  symbols = ["BTCUSDT"],
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const s = await service.sessions.create(
      sessionInputSchema.parse({ strategy: FLIP_STRATEGY, symbol: symbols[i % symbols.length] }),
    );
    ids.push(s.id);
  }
  return ids;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/**
 * Fill latencies (ms) from trade emission to arrival in main and to
 * durability; `env` on top of the benchmark's configuration (a database, a cluster).
 */
export async function latency(
  sessions: number,
  seconds: number,
  env: Record<string, string> = {},
): Promise<Figure[]> {
  const dataDir = await Deno.makeTempDir({ prefix: "bench_latency_" });
  const feed = new BenchFeed();
  const service = await benchService(feed, dataDir, env);
  try {
    const ids = await startSessions(service, sessions);
    const memory: number[] = [];
    const durable: number[] = [];
    service.supervisor.onArrival((_id, effects) => {
      const now = wallNow();
      for (const e of effects) {
        if (e.type === "fill") memory.push(now - feed.emitted[e.fill.time - BENCH_T0]);
      }
    });
    for (const id of ids) {
      service.live.subscribe(`trading:${id}`, (message) => {
        const m = message as { type: string; effect?: { type: string; fill: { time: number } } };
        if (m.type === "effect" && m.effect?.type === "fill") {
          durable.push(wallNow() - feed.emitted[m.effect.fill.time - BENCH_T0]);
        }
      });
    }
    await feed.stream(2_000, 1); // warm up the JIT and the workers
    memory.length = 0;
    durable.length = 0;
    // Five runs: each a slice of the stream, summarised as p50/p99.
    const runs = {
      p50: [] as number[],
      p99: [] as number[],
      p50d: [] as number[],
      p99d: [] as number[],
    };
    for (let run = 0; run < 5; run++) {
      const m0 = memory.length, d0 = durable.length;
      await feed.stream(2_000, seconds);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const m = memory.slice(m0).sort((a, b) => a - b);
      const d = durable.slice(d0).sort((a, b) => a - b);
      if (m.length === 0) throw new Error("no fills measured");
      runs.p50.push(percentile(m, 0.5));
      runs.p99.push(percentile(m, 0.99));
      runs.p50d.push(percentile(d, 0.5));
      runs.p99d.push(percentile(d, 0.99));
    }
    const suffix = sessions === 1 ? "1_session" : `${sessions}_sessions`;
    return [
      summarise(runs.p50, { name: `tick_to_trade_p50_${suffix}`, unit: "ms", better: "lower" }),
      summarise(runs.p99, {
        name: `tick_to_trade_p99_${suffix}`,
        unit: "ms",
        better: "lower",
        target: 1,
      }),
      summarise(runs.p50d, { name: `tick_to_durable_p50_${suffix}`, unit: "ms", better: "lower" }),
      summarise(runs.p99d, { name: `tick_to_durable_p99_${suffix}`, unit: "ms", better: "lower" }),
    ];
  } finally {
    await service.close();
    await Deno.remove(dataDir, { recursive: true });
  }
}

/** How long the restore benchmark waits for the service to start or restore its sessions. */
const RESTORE_DEADLINE_MS = 180_000;

/** How long a throughput burst may take before the run fails instead of waiting forever. */
const THROUGHPUT_DEADLINE_MS = 120_000;

/** Session-tick evaluations per second: a burst to N sessions, timed until every session acted on its last candle. */
async function throughput(sessions: number, trades: number): Promise<Figure> {
  const dataDir = await Deno.makeTempDir({ prefix: "bench_throughput_" });
  const feed = new BenchFeed();
  const service = await benchService(feed, dataDir);
  try {
    await startSessions(service, sessions);
    const samples: number[] = [];
    for (let run = 0; run < 5; run++) {
      // Align to a candle boundary, then send the burst and one trade that closes its last candle.
      while ((feed.emitted.length % 1000) !== 0) feed.emit();
      const closing = feed.emitted.length + trades + 1000;
      let done = 0;
      const finished = new Promise<void>((resolve) => {
        const off = service.supervisor.onArrival((_id, effects) => {
          if (effects.some((e) => e.type === "fill" && e.fill.time === BENCH_T0 + closing)) {
            if (++done === sessions) {
              off();
              resolve();
            }
          }
        });
      });
      const started = performance.now();
      for (let i = 0; i < trades + 1000; i++) feed.emit();
      feed.emit();
      if (!(await settledWithin(finished, THROUGHPUT_DEADLINE_MS))) {
        throw new Error(
          `throughput: ${done} of ${sessions} sessions acted on the closing trade within ${THROUGHPUT_DEADLINE_MS} ms`,
        );
      }
      samples.push(((trades + 1001) * sessions) / ((performance.now() - started) / 1000));
    }
    return summarise(samples, {
      name: `session_tick_evaluations_per_s_${sessions}_sessions`,
      unit: "evals/s",
      better: "higher",
      target: 500_000,
    });
  } finally {
    await service.close();
    await Deno.remove(dataDir, { recursive: true });
  }
}

/** How long the hog benchmark waits for every session's lag to fall under 1 s after the stream. */
const CATCH_UP_DEADLINE_MS = 120_000;

/**
 * Worker restarts while two CPU-hog processes keep both cores busy: `count`
 * sessions on two symbols, 500 trades/s for `seconds` (one run), and the time
 * after the stream until every session's lag is under 1 s again.
 */
export async function underCpuHog(count: number, seconds: number): Promise<Figure[]> {
  const dataDir = await Deno.makeTempDir({ prefix: "bench_hog_" });
  const feed = new BenchFeed();
  const symbols = ["BTCUSDT", "ETHUSDT"];
  const service = await benchService(feed, dataDir, {}, symbols);
  const hog = new URL("../fixtures/cpu_hog.ts", import.meta.url).pathname;
  const hogs: Deno.ChildProcess[] = [];
  try {
    const ids = await startSessions(service, count, symbols);
    for (let i = 0; i < 2; i++) {
      hogs.push(
        new Deno.Command(Deno.execPath(), { args: ["run", hog], stdin: "piped" }).spawn(),
      );
    }
    await feed.stream(250, seconds); // one trade per symbol each time: 500 trades/s
    const ended = performance.now();
    const behind = () => ids.filter((id) => (service.supervisor.lagMs(id) ?? 0) >= 1_000);
    while (behind().length > 0) {
      if (performance.now() - ended > CATCH_UP_DEADLINE_MS) {
        throw new Error(
          `cpu hog: ${behind().length} sessions still 1 s or more behind ${CATCH_UP_DEADLINE_MS} ms after the stream`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const catchUp = (performance.now() - ended) / 1000;
    const restarts = ids.reduce((n, id) => n + (service.supervisor.get(id)?.restarts ?? 0), 0);
    const suffix = `${count}_sessions_${seconds}s`;
    return [
      summarise([restarts], {
        name: `false_restarts_under_cpu_hog_${suffix}`,
        unit: "restarts",
        better: "lower",
        target: 0,
      }),
      summarise([catchUp], {
        name: `lag_catch_up_s_after_cpu_hog_${suffix}`,
        unit: "s",
        better: "lower",
        target: 5,
      }),
    ];
  } finally {
    for (const child of hogs) {
      await child.stdin.close();
      await child.status;
    }
    await service.close();
    await Deno.remove(dataDir, { recursive: true });
  }
}

/** Start time per session and resident memory per session at `count` sessions; `env` as in {@link latency}. */
export async function scale(count: number, env: Record<string, string> = {}): Promise<Figure[]> {
  const dataDir = await Deno.makeTempDir({ prefix: "bench_scale_" });
  const feed = new BenchFeed();
  const service = await benchService(feed, dataDir, env);
  try {
    const startTimes: number[] = [];
    const perSession: number[] = [];
    const step = count / 5;
    let rssBefore = Deno.memoryUsage().rss;
    for (let part = 0; part < 5; part++) {
      for (let i = 0; i < step; i++) {
        const started = performance.now();
        await service.sessions.create(
          sessionInputSchema.parse({ strategy: FLIP_STRATEGY, symbol: "BTCUSDT" }),
        );
        startTimes.push(performance.now() - started);
      }
      await feed.stream(200, 0.5); // every worker processes data, as live sessions do
      const rss = Deno.memoryUsage().rss;
      perSession.push((rss - rssBefore) / step / 1024 / 1024);
      rssBefore = rss;
    }
    return [
      summarise(startTimes, { name: `session_start_ms_at_${count}`, unit: "ms", better: "lower" }),
      summarise(perSession, {
        name: `rss_per_session_mb_at_${count}`,
        unit: "MB",
        better: "lower",
        target: 6,
      }),
    ];
  } finally {
    await service.close();
    await Deno.remove(dataDir, { recursive: true });
  }
}

/** Time from process start to every one of `count` sessions running again after SIGKILL. */
async function restore(count: number, runs: number): Promise<Figure> {
  const dataDir = await Deno.makeTempDir({ prefix: "bench_restore_" });
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const base = `http://127.0.0.1:${port}`;
  const spawn = () =>
    new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--unstable-worker-options",
        "-A",
        new URL("../main.ts", import.meta.url).pathname,
      ],
      env: {
        FEED: "sim",
        DEMO_SESSION: "false",
        SYMBOLS: "BTCUSDT",
        PORT: String(port),
        DATA_DIR: dataDir,
      },
      stdout: "null",
      stderr: "null",
    }).spawn();
  const running = async () => {
    try {
      const health = await (await fetch(`${base}/api/health`)).json();
      return health.sessions.by_status.running ?? 0;
    } catch {
      return -1;
    }
  };
  const until = async (check: () => Promise<boolean>) => {
    const deadline = performance.now() + RESTORE_DEADLINE_MS;
    while (!(await check())) {
      if (performance.now() > deadline) {
        throw new Error(
          `restore: the service did not reach the awaited state in ${RESTORE_DEADLINE_MS} ms`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  let child = spawn();
  try {
    await until(async () => (await running()) >= 0);
    for (let i = 0; i < count; i++) {
      const response = await fetch(`${base}/api/paper_trading/sessions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ strategy: "ema_cross_fast", symbol: "BTCUSDT" }),
      });
      await response.body?.cancel();
    }
    await until(async () => (await running()) === count);
    const samples: number[] = [];
    for (let run = 0; run < runs; run++) {
      child.kill("SIGKILL");
      await child.status;
      const started = performance.now();
      child = spawn();
      await until(async () => (await running()) === count);
      samples.push((performance.now() - started) / 1000);
    }
    return summarise(samples, {
      name: `restore_${count}_sessions_after_sigkill_s`,
      unit: "s",
      better: "lower",
      target: count >= 100 ? 5 : undefined,
    });
  } finally {
    child.kill("SIGKILL");
    await child.status;
    await Deno.remove(dataDir, { recursive: true });
  }
}

/** `GET /api/paper_trading/sessions/:id` requests per second with `count` live sessions. */
export async function apiRate(count: number, seconds: number): Promise<Figure> {
  const dataDir = await Deno.makeTempDir({ prefix: "bench_api_" });
  const feed = new BenchFeed();
  const service = await benchService(feed, dataDir);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    createApp(service).fetch,
  );
  try {
    const ids = await startSessions(service, count);
    const streaming = feed.stream(500, seconds * 6 + 2);
    const samples: number[] = [];
    for (let run = 0; run < 5; run++) {
      let requests = 0;
      const end = performance.now() + seconds * 1000;
      await Promise.all(Array.from({ length: 16 }, async (_, worker) => {
        while (performance.now() < end) {
          const id = ids[(requests + worker) % ids.length];
          const response = await fetch(
            `http://127.0.0.1:${server.addr.port}/api/paper_trading/sessions/${id}`,
          );
          await response.arrayBuffer();
          requests++;
        }
      }));
      samples.push(requests / seconds);
    }
    await streaming;
    return summarise(samples, {
      name: `api_session_get_per_s_${count}_sessions`,
      unit: "req/s",
      better: "higher",
    });
  } finally {
    await server.shutdown();
    await service.close();
    await Deno.remove(dataDir, { recursive: true });
  }
}

/** Runs with 50 sessions to a worker. */
const POOLED = { SESSIONS_PER_WORKER: "50" };

/** `figures` renamed as measured with {@link POOLED}. */
function pooled(figures: readonly Figure[]): Figure[] {
  return figures.map((figure) => ({ ...figure, name: `${figure.name}_pooled` }));
}

/** The session runtime benchmarks. */
export async function benchSessions(options: { quick: boolean }): Promise<Figure[]> {
  const { quick } = options;
  const figures: Figure[] = [];
  figures.push(...await latency(1, quick ? 1 : 3));
  figures.push(...await latency(quick ? 20 : 100, quick ? 1 : 3));
  figures.push(...pooled(await latency(quick ? 20 : 100, quick ? 1 : 3, POOLED)));
  figures.push(await throughput(quick ? 20 : 100, quick ? 5_000 : 20_000));
  figures.push(...await scale(quick ? 50 : 1000));
  figures.push(...pooled(await scale(quick ? 50 : 1000, POOLED)));
  figures.push(...await underCpuHog(quick ? 50 : 300, quick ? 10 : 30));
  figures.push(await restore(quick ? 10 : 100, 5));
  figures.push(await apiRate(quick ? 20 : 100, quick ? 0.5 : 2));
  return figures;
}

if (import.meta.main) {
  console.log(
    JSON.stringify(await benchSessions({ quick: Deno.args.includes("--quick") }), null, 2),
  );
}
