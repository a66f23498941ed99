/**
 * `deno task bench [--quick] [--only NAME,...]`: runs every benchmark, writes
 * `bench/results/latest.json`, prints a table and refreshes the table in
 * `bench/README.md`. Each figure is the median of at least 5 runs, measured
 * in this one process so ratios between figures hold on a noisy machine.
 */
import { type Benchmark, BenchSkipped, type Figure } from "./figure.ts";
import { benchStrategy } from "./strategy.ts";
import { benchExecution } from "./execution.ts";
import { benchFillCost } from "./fill_cost.ts";
import { benchMarket } from "./market.ts";
import { benchSessions } from "./sessions.ts";
import { benchBacktest } from "./backtest.ts";
import { benchBook } from "./book.ts";
import { benchCluster } from "./cluster.ts";
import { benchVenues } from "./venues.ts";

const SUITES: Record<string, Benchmark> = {
  strategy: benchStrategy,
  execution: benchExecution,
  fill: benchFillCost,
  market: benchMarket,
  book: benchBook,
  venues: benchVenues,
  backtest: benchBacktest,
  sessions: benchSessions,
  cluster: benchCluster,
};

const quick = Deno.args.includes("--quick");
const onlyIndex = Deno.args.indexOf("--only");
const only = onlyIndex >= 0 ? Deno.args[onlyIndex + 1]?.split(",") : undefined;

const figures: Figure[] = [];
/** Suites that could not run here, and why. */
const skipped: { suite: string; reason: string }[] = [];
for (const [name, bench] of Object.entries(SUITES)) {
  if (only && !only.includes(name)) continue;
  console.error(`running ${name}${quick ? " (quick)" : ""}…`);
  const started = performance.now();
  const skip = (reason: string) => {
    skipped.push({ suite: name, reason });
    console.error(`  ${name}: part skipped: ${reason}`);
  };
  try {
    figures.push(...await bench({ quick, skip }));
  } catch (error) {
    if (!(error instanceof BenchSkipped)) throw error;
    skipped.push({ suite: name, reason: error.message });
    console.error(`  ${name} skipped: ${error.message}`);
    continue;
  }
  console.error(`  ${name} done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

const cpu = await Deno.readTextFile("/proc/cpuinfo").then(
  (text) => text.match(/model name\s*:\s*(.+)/)?.[1] ?? "unknown cpu",
  () => "unknown cpu",
);
const result = {
  machine: `${cpu} · ${navigator.hardwareConcurrency} cores · Deno ${Deno.version.deno}`,
  date: new Date().toISOString(),
  quick,
  figures,
  skipped,
};

const table = markdownTable(figures) +
  skipped.map((s) => `\n\n_${s.suite} skipped: ${s.reason}._`).join("");
console.log(table);
await Deno.mkdir(new URL("./results/", import.meta.url), { recursive: true });
await Deno.writeTextFile(
  // Reduced or partial runs never replace the full run's figures.
  new URL(quick || only ? "./results/partial.json" : "./results/latest.json", import.meta.url),
  JSON.stringify(result, null, 2) + "\n",
);
if (!quick && !only) {
  const block = `Measured ${result.date} on ${result.machine}.\n\n${table}`;
  await replaceBlock(new URL("./README.md", import.meta.url), "results", block);
  await replaceBlock(new URL("../README.md", import.meta.url), "bench", block);
}

/** Figures as a Markdown table with a verdict against each target. */
function markdownTable(list: readonly Figure[]): string {
  const fmt = (n: number) =>
    Math.abs(n) >= 1000
      ? Math.round(n).toLocaleString("en-US")
      : Number(n.toPrecision(3)).toString();
  const lines = [
    "| figure | median | min | max | unit | target | met |",
    "|---|---:|---:|---:|---|---:|:---:|",
  ];
  for (const f of list) {
    const met = f.target === undefined
      ? "–"
      : (f.better === "higher" ? f.median >= f.target : f.median <= f.target)
      ? "yes"
      : "no";
    const target = f.target === undefined
      ? "report"
      : `${f.better === "higher" ? "≥" : "≤"} ${fmt(f.target)}`;
    lines.push(
      `| ${f.name} | ${fmt(f.median)} | ${fmt(f.min)} | ${
        fmt(f.max)
      } | ${f.unit} | ${target} | ${met} |`,
    );
  }
  return lines.join("\n");
}

/** Replaces the text between `<!-- NAME:start -->` and `<!-- NAME:end -->` in a file. */
async function replaceBlock(url: URL, name: string, content: string): Promise<void> {
  const text = await Deno.readTextFile(url);
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  await Deno.writeTextFile(
    url,
    text.replace(new RegExp(`${start}[\\s\\S]*${end}`), `${start}\n\n${content}\n\n${end}`),
  );
}
