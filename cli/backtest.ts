/**
 * `deno task backtest --strategy FILE|ID --data FILE [--symbol S] [--from ISO] [--to ISO]
 * [--capital N] [--maker-fee F] [--taker-fee F] [--slippage-bps N] [--fill-model book|slippage]
 * [--json] [--out DIR]`
 *
 * `--fill-model book` fills against the recording's L2 books (a recording
 * made with books; it is an error when the file has none), `slippage` against
 * the top of book plus slippage even when books are recorded. Without it,
 * books are used when the recording has them.
 *
 * A portfolio backtest (one wallet over several symbols) repeats `--data
 * SYMBOL=FILE`; `--json` then adds `per_symbol` metrics beside the portfolio's.
 *
 * Runs a strategy over a recording (stream JSONL, or Binance public-data CSV
 * dumps of trades or klines; `.gz` too) on the same session core as paper
 * trading. Prints a metrics table (or, with `--json`, exactly one JSON
 * document `{trades, metrics}` on stdout); `--out DIR` writes `trades.csv` and
 * a self-contained `report.html`. Exit codes: 0 done, 1 bad input, 2 usage.
 *
 * `ID` is an example strategy (a file name in strategies/ without `.yaml`) or,
 * when DATABASE_URL is set, a stored strategy.
 */
import { parseArgs } from "node:util";
import { resolveExecutionConfig } from "../engine/core/execution/mod.ts";
import { symbolReferenceProblems } from "../engine/core/strategy/mod.ts";
import { type DataSource, runBacktest, symbolNeeded } from "../engine/runtime/backtest/run.ts";
import type { BacktestResult } from "../engine/core/backtest/mod.ts";
import { portfolioQuote } from "../engine/core/session/mod.ts";
import {
  metricsTable,
  perSymbolTable,
  reportHtml,
  tradeRows,
  tradesCsv,
} from "../engine/runtime/backtest/report.ts";
import { exists, loadStrategy } from "./_local_strategy.ts";
import { progressBar } from "./_progress.ts";
import { runLocalCommand, UsageError } from "./_args.ts";

const USAGE =
  `usage: deno task backtest --strategy FILE|ID --data [SYMBOL=]FILE [--data SYMBOL=FILE ...]
       [--symbol S] [--from ISO] [--to ISO] [--capital N] [--maker-fee F] [--taker-fee F] [--slippage-bps N]
       [--fill-model book|slippage] [--allow-short] [--json] [--out DIR]`;

function parse(args: string[]) {
  try {
    return parseArgs({
      args,
      strict: true,
      options: {
        strategy: { type: "string" },
        data: { type: "string", multiple: true },
        symbol: { type: "string" },
        from: { type: "string" },
        to: { type: "string" },
        capital: { type: "string" },
        "maker-fee": { type: "string" },
        "taker-fee": { type: "string" },
        "slippage-bps": { type: "string" },
        "fill-model": { type: "string" },
        "allow-short": { type: "boolean" },
        json: { type: "boolean" },
        out: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function numberOption(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value)) {
    throw new UsageError(`--${name} must be a number, got '${text}'`);
  }
  return value;
}

function timeOption(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new UsageError(`--${name} must be an ISO-8601 time, got '${text}'`);
  return ms;
}

/**
 * The `--data` values: `FILE` or `SYMBOL=FILE` for one; `SYMBOL=FILE` each for
 * a portfolio, whose symbols must be distinct and share one quote currency.
 */
function dataSources(values: readonly string[]): DataSource[] {
  const sources: DataSource[] = values.map((value) => {
    const match = /^([A-Za-z0-9]{2,30})=(.+)$/.exec(value);
    return match ? { symbol: match[1].toUpperCase(), path: match[2] } : { path: value };
  });
  if (sources.length === 1) return sources;
  const symbols: string[] = [];
  for (const source of sources) {
    if (source.symbol === undefined) {
      throw new UsageError(`with several --data, each is SYMBOL=FILE; got '${source.path}'`);
    }
    if (symbols.includes(source.symbol)) {
      throw new UsageError(`--data lists ${source.symbol} twice`);
    }
    symbols.push(source.symbol);
  }
  try {
    portfolioQuote(symbols, resolveExecutionConfig({}));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return sources;
}

function perSymbolMetrics(perSymbol: NonNullable<BacktestResult["per_symbol"]>) {
  return Object.fromEntries(Object.entries(perSymbol).map(([s, v]) => [s, v.metrics]));
}

async function main(): Promise<number> {
  const args = parse(Deno.args);
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  if (!args.strategy || !args.data) throw new UsageError("--strategy and --data are required");
  const sources = dataSources(args.data);
  const from = timeOption("from", args.from);
  const to = timeOption("to", args.to);
  const slippage = numberOption("slippage-bps", args["slippage-bps"]);
  const fillModel = args["fill-model"];
  if (fillModel !== undefined && fillModel !== "book" && fillModel !== "slippage") {
    throw new UsageError(`--fill-model must be book or slippage, got '${fillModel}'`);
  }
  const input = {
    ...(args.capital !== undefined ? { initial_cash: numberOption("capital", args.capital) } : {}),
    ...(args["maker-fee"] !== undefined
      ? { maker_fee: numberOption("maker-fee", args["maker-fee"]) }
      : {}),
    ...(args["taker-fee"] !== undefined
      ? { taker_fee: numberOption("taker-fee", args["taker-fee"]) }
      : {}),
    ...(slippage !== undefined ? { slippage: { model: "fixed", bps: slippage } } : {}),
    ...(fillModel ? { fill_model: { book: fillModel === "book" ? "l2" : "none" } } : {}),
    ...(args["allow-short"] ? { allow_short: true } : {}),
  };
  let execution;
  try {
    execution = resolveExecutionConfig(input);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  for (const source of sources) {
    if (!(await exists(source.path))) throw new RangeError(`--data '${source.path}' is not a file`);
    const needed = symbolNeeded(source.path, source.symbol ?? args.symbol);
    if (needed) throw new UsageError(`${needed} with --symbol`);
  }
  const strategy = await loadStrategy(args.strategy);
  const symbols = sources.map((s) => s.symbol ?? args.symbol ?? "the data's symbol");
  const misfit = symbolReferenceProblems(strategy, symbols)[0];
  if (misfit) throw new UsageError(`${misfit.path}: ${misfit.message}`);
  const progress = progressBar();
  const started = performance.now();
  const result = await runBacktest(sources, {
    strategy,
    execution,
    symbol: args.symbol,
    from,
    to,
    onProgress: progress,
  });
  if (progress) Deno.stderr.writeSync(new TextEncoder().encode("\n"));
  if (fillModel === "book" && result.books === 0) {
    throw new RangeError(
      `--fill-model book needs a recording with order books; '${result.data}' has none ` +
        "(record one with: deno task record --feed binance --depth)",
    );
  }
  const seconds = (performance.now() - started) / 1000;
  if (args.out) {
    await Deno.mkdir(args.out, { recursive: true });
    await Deno.writeTextFile(`${args.out}/trades.csv`, tradesCsv(result.trades));
    await Deno.writeTextFile(`${args.out}/report.html`, reportHtml(result));
  }
  if (args.json) {
    console.log(JSON.stringify({
      trades: tradeRows(result.trades),
      metrics: result.metrics,
      ...(result.per_symbol ? { per_symbol: perSymbolMetrics(result.per_symbol) } : {}),
    }));
  } else {
    const dropped = Object.entries(result.dropped).map(([k, n]) => `${k} ${n}`).join(", ");
    console.log(
      `${result.strategy} on ${result.symbol}: ${result.events} events` +
        (result.books > 0 ? ` and ${result.books} book updates` : "") +
        ` in ${seconds.toFixed(2)} s` +
        ` (${Math.round(result.events / Math.max(seconds, 1e-9))} events/s)` +
        (dropped ? `; dropped: ${dropped}` : ""),
    );
    console.log(metricsTable(result.metrics));
    if (result.per_symbol) console.log(perSymbolTable(result.per_symbol));
    if (args.out) console.log(`wrote ${args.out}/trades.csv and ${args.out}/report.html`);
  }
  return 0;
}

if (import.meta.main) await runLocalCommand("backtest", USAGE, main);
