/**
 * `deno task record --symbols BTCUSDT,ETHUSDT --out FILE.jsonl.gz [--feed sim|binance|auto]
 * [--duration SECONDS] [--rate N] [--seed N] [--depth]`: records the raw market stream for replay;
 * `--depth` (Binance) records the order books too (depth diffs and a partial-depth line per sync).
 * Reads BINANCE_WS_URL and BINANCE_REST_URL. Stops on Ctrl-C or after the duration.
 */
import { parseArgs } from "node:util";
import { record } from "../engine/runtime/market/mod.ts";
import { UsageError } from "./_args.ts";

const USAGE =
  "usage: deno task record --symbols BTCUSDT,ETHUSDT --out FILE.jsonl[.gz] [--feed sim|binance|auto] [--duration SECONDS] [--rate N] [--seed N] [--depth]";

/** Parses the command line; a {@link TypeError} carries the usage on a mistake. */
function options(): Record<string, string | boolean | undefined> {
  try {
    return parseArgs({
      args: Deno.args,
      options: {
        symbols: { type: "string" },
        out: { type: "string" },
        feed: { type: "string" },
        duration: { type: "string" },
        rate: { type: "string" },
        seed: { type: "string" },
        depth: { type: "boolean" },
        help: { type: "boolean" },
      },
    }).values;
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
}

async function main(): Promise<void> {
  const args = options();
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const symbols = String(args.symbols ?? "").split(",").map((s) => s.trim().toUpperCase()).filter(
    Boolean,
  );
  if (symbols.length === 0 || !args.out) {
    throw new UsageError(`--symbols and --out are required\n${USAGE}`);
  }
  const duration = args.duration === undefined ? undefined : Number(args.duration);
  if (duration !== undefined && !(duration > 0)) {
    throw new UsageError(`--duration must be a positive number of seconds, got '${args.duration}'`);
  }
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  const started = Date.now();
  try {
    const out = String(args.out);
    const lines = await record(symbols, out, {
      feed: String(args.feed ?? "sim"),
      durationMs: duration === undefined ? undefined : duration * 1000,
      signal: controller.signal,
      seed: args.seed === undefined ? undefined : Number(args.seed),
      simRate: args.rate === undefined ? undefined : Number(args.rate),
      depth: args.depth === true,
      binanceWsUrl: Deno.env.get("BINANCE_WS_URL"),
      binanceRestUrl: Deno.env.get("BINANCE_REST_URL"),
      onProgress: (n) =>
        console.error(
          `recording ${symbols.join(",")}: ${n} messages, ${
            Math.round((Date.now() - started) / 1000)
          } s`,
        ),
    });
    console.error(`recorded ${lines} messages to ${out}`);
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
  }
}

if (import.meta.main) {
  try {
    await main();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    Deno.exit(error instanceof UsageError ? 2 : 1);
  }
}
