/**
 * `deno task sweep --strategy FILE|ID --data FILE --param PATH=A..B[:STEP] [--param …]
 * [--objective sharpe|total_return|profit_factor|calmar] [--search grid|random --trials N]
 * [--seed N] [--workers N] [--walk-forward 70/30] [--symbol S] [--capital N] [--top N]
 * [--json] [--out DIR]`
 *
 * Backtests a strategy over a recording once per parameter combination, in
 * parallel workers, and prints the best combinations with their in-sample
 * metrics and, with `--walk-forward`, the out-of-sample ones beside them.
 * `--json` prints one JSON document with every trial; `--out DIR` writes
 * `sweep.json` and a self-contained `sweep.html` (a heatmap for two
 * parameters). Exit codes: 0 done, 1 bad input, 2 usage (a parameter path
 * that is not a number in the strategy included).
 */
import { parseArgs } from "node:util";
import { resolveExecutionConfig } from "../engine/core/execution/mod.ts";
import {
  type Objective,
  OBJECTIVES,
  runSweep,
  type SweepResult,
} from "../engine/runtime/backtest/sweep.ts";
import { checkParams, parseParam } from "../engine/runtime/backtest/sweep_space.ts";
import { sweepHtml } from "../engine/runtime/backtest/sweep_report.ts";
import { percent, ratio, signedPercent } from "../presentation/mod.ts";
import { table } from "./_format.ts";
import { exists, loadStrategy } from "./_local_strategy.ts";
import { progressBar } from "./_progress.ts";
import { runLocalCommand, UsageError } from "./_args.ts";

const USAGE =
  `usage: deno task sweep --strategy FILE|ID --data FILE --param PATH=A..B[:STEP] [--param …]
       [--objective ${OBJECTIVES.join("|")}] [--search grid|random --trials N] [--seed N]
       [--workers N] [--walk-forward 70/30] [--symbol S] [--capital N] [--top N] [--json] [--out DIR]`;

function parse(args: string[]) {
  try {
    return parseArgs({
      args,
      strict: true,
      options: {
        strategy: { type: "string" },
        data: { type: "string" },
        param: { type: "string", multiple: true },
        objective: { type: "string" },
        search: { type: "string" },
        trials: { type: "string" },
        seed: { type: "string" },
        workers: { type: "string" },
        "walk-forward": { type: "string" },
        symbol: { type: "string" },
        capital: { type: "string" },
        top: { type: "string" },
        json: { type: "boolean" },
        out: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function integer(name: string, text: string | undefined, fallback: number, min = 1): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) {
    throw new UsageError(`--${name} must be an integer ≥ ${min}, got '${text}'`);
  }
  return value;
}

/** `70/30` (or `70`) → 0.7. */
function inSampleShare(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)(?:\/(\d+(?:\.\d+)?))?$/.exec(text);
  const a = Number(match?.[1]), b = match?.[2] === undefined ? 100 - a : Number(match[2]);
  if (!match || !(a > 0 && b > 0) || Math.abs(a + b - 100) > 1e-9) {
    throw new UsageError(
      `--walk-forward must be IN/OUT percentages adding up to 100, got '${text}'`,
    );
  }
  return a / 100;
}

/** The top rows as a table: parameter values, in-sample and out-of-sample metrics. */
function resultTable(result: SweepResult, top: number): string {
  const walk = result.split_time !== null;
  const side = (label: string) => [
    { header: `${label} ${result.objective}`, right: true },
    { header: `${label} return`, right: true },
    { header: `${label} max dd`, right: true },
    { header: `${label} trades`, right: true },
  ];
  const columns = [
    { header: "#", right: true },
    ...result.params.map((p) => ({ header: p.path, right: true })),
    ...side(walk ? "IS" : ""),
    ...(walk ? side("OOS") : []),
  ].map((c) => ({ ...c, header: c.header.trim() }));
  const cells = (m: SweepResult["rows"][number]["in_sample"]) =>
    m
      ? [
        result.objective === "total_return" ? signedPercent(m.total_return) : ratio(
          m[result.objective],
        ),
        signedPercent(m.total_return),
        percent(m.max_drawdown),
        String(m.trade_count),
      ]
      : ["—", "—", "—", "—"];
  const rows = result.rows.filter((r) => !r.problem).slice(0, top).map((row, i) => [
    String(i + 1),
    ...result.params.map((p) => String(row.values[p.path])),
    ...cells(row.in_sample),
    ...(walk ? cells(row.out_of_sample) : []),
  ]);
  return table(columns, rows);
}

async function main(): Promise<number> {
  const args = parse(Deno.args);
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  if (!args.strategy || !args.data || !args.param?.length) {
    throw new UsageError("--strategy, --data and at least one --param are required");
  }
  const objective = (args.objective ?? "sharpe") as Objective;
  if (!OBJECTIVES.includes(objective)) {
    throw new UsageError(`--objective must be one of ${OBJECTIVES.join(", ")}, got '${objective}'`);
  }
  const search = args.search ?? "grid";
  if (search !== "grid" && search !== "random") {
    throw new UsageError(`--search must be grid or random, got '${search}'`);
  }
  let params;
  try {
    params = args.param.map(parseParam);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const capital = args.capital === undefined ? undefined : Number(args.capital);
  if (capital !== undefined && !(capital > 0)) {
    throw new UsageError(`--capital must be a positive number, got '${args.capital}'`);
  }
  const options = {
    trials: integer("trials", args.trials, 100),
    seed: integer("seed", args.seed, 1, 0),
    workers: integer("workers", args.workers, 2),
    top: integer("top", args.top, 10),
    inSample: inSampleShare(args["walk-forward"]),
  };
  if (!(await exists(args.data))) throw new RangeError(`--data '${args.data}' is not a file`);
  const strategy = await loadStrategy(args.strategy);
  const problems = checkParams(strategy, params);
  if (problems.length > 0) throw new UsageError(problems.join("; "));
  const progress = progressBar();
  const started = performance.now();
  const result = await runSweep({
    data: args.data,
    strategy,
    params,
    execution: resolveExecutionConfig(capital === undefined ? {} : { initial_cash: capital }),
    symbol: args.symbol,
    objective,
    search,
    trials: options.trials,
    seed: options.seed,
    workers: options.workers,
    inSample: options.inSample,
    onProgress: progress && ((done, total) => progress(total > 0 ? done / total : 1)),
  });
  if (progress) Deno.stderr.writeSync(new TextEncoder().encode("\n"));
  const seconds = (performance.now() - started) / 1000;
  if (args.out) {
    await Deno.mkdir(args.out, { recursive: true });
    await Deno.writeTextFile(`${args.out}/sweep.json`, JSON.stringify(result, null, 2));
    await Deno.writeTextFile(`${args.out}/sweep.html`, sweepHtml(result));
  }
  if (args.json) {
    console.log(JSON.stringify(result));
    return 0;
  }
  const invalid = result.rows.filter((r) => r.problem);
  console.log(
    `${result.strategy}: ${result.rows.length} trials (${result.search}, seed ${result.seed}) over ` +
      `${result.events} events in ${seconds.toFixed(2)} s with ${options.workers} workers, ` +
      `ranked by ${result.split_time === null ? "" : "in-sample "}${result.objective}`,
  );
  console.log(resultTable(result, options.top));
  for (const row of invalid) {
    console.log(`invalid combination ${JSON.stringify(row.values)}: ${row.problem}`);
  }
  if (args.out) console.log(`wrote ${args.out}/sweep.json and ${args.out}/sweep.html`);
  return 0;
}

if (import.meta.main) await runLocalCommand("sweep", USAGE, main);
