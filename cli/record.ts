/**
 * `deno task record --symbols BTCUSDT,ETHUSDT --out FILE.jsonl.gz [--feed sim|binance|auto]
 * [--duration SECONDS] [--rate N] [--seed N]`: records the raw market stream for replay.
 * Reads BINANCE_WS_URL and BINANCE_REST_URL. Stops on Ctrl-C or after the duration.
 */
import { record } from "../engine/runtime/market/mod.ts";

const USAGE =
  "usage: deno task record --symbols BTCUSDT,ETHUSDT --out FILE.jsonl[.gz] [--feed sim|binance|auto] [--duration SECONDS] [--rate N] [--seed N]";

/** Parses `--name value` pairs. */
function parseArgs(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i += 2) {
    const key = args[i];
    if (!key.startsWith("--") || args[i + 1] === undefined) {
      throw new TypeError(`bad argument '${key}'\n${USAGE}`);
    }
    out[key.slice(2)] = args[i + 1];
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(Deno.args);
  const symbols = (args.symbols ?? "").split(",").map((s) => s.trim().toUpperCase()).filter(
    Boolean,
  );
  if (symbols.length === 0 || !args.out) {
    throw new TypeError(`--symbols and --out are required\n${USAGE}`);
  }
  const duration = args.duration === undefined ? undefined : Number(args.duration);
  if (duration !== undefined && !(duration > 0)) {
    throw new RangeError(`--duration must be a positive number of seconds, got '${args.duration}'`);
  }
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  const started = Date.now();
  try {
    const lines = await record(symbols, args.out, {
      feed: args.feed ?? "sim",
      durationMs: duration === undefined ? undefined : duration * 1000,
      signal: controller.signal,
      seed: args.seed === undefined ? undefined : Number(args.seed),
      simRate: args.rate === undefined ? undefined : Number(args.rate),
      binanceWsUrl: Deno.env.get("BINANCE_WS_URL"),
      binanceRestUrl: Deno.env.get("BINANCE_REST_URL"),
      onProgress: (n) =>
        console.error(
          `recording ${symbols.join(",")}: ${n} messages, ${
            Math.round((Date.now() - started) / 1000)
          } s`,
        ),
    });
    console.error(`recorded ${lines} messages to ${args.out}`);
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
  }
}

if (import.meta.main) {
  try {
    await main();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    Deno.exit(1);
  }
}
