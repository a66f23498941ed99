/**
 * The parameter space of a sweep: `path=a..b[:step]` (or `path=a,b,c`)
 * specs, checked against a strategy, expanded as a grid or drawn at random
 * (seeded), and applied to the strategy document one trial at a time.
 *
 * @module
 */
import { parseStrategy, type Strategy } from "../../core/strategy/mod.ts";
import { Prng } from "../market/_prng.ts";

/** One swept parameter: a dotted path into the strategy document and its values. */
export interface SweepParam {
  readonly path: string;
  readonly values: readonly number[];
}

/** At most this many values per parameter and trials per sweep. */
export const SWEEP_LIMIT = 100_000;

/** Parses `path=a..b[:step]` (step default 1) or `path=a,b,c`; a RangeError names what is wrong. */
export function parseParam(spec: string): SweepParam {
  const match = /^([A-Za-z_][\w.]*)=(.+)$/.exec(spec.trim());
  if (!match) {
    throw new RangeError(`--param '${spec}' must look like path=a..b[:step] or path=a,b,c`);
  }
  const [, path, range] = match;
  const number = (text: string) => {
    const value = Number(text);
    if (text.trim() === "" || !Number.isFinite(value)) {
      throw new RangeError(`--param '${spec}': '${text}' is not a number`);
    }
    return value;
  };
  const span = /^(.+?)\.\.(.+?)(?::(.+))?$/.exec(range);
  if (!span) return { path, values: range.split(",").map(number) };
  const [a, b, step] = [number(span[1]), number(span[2]), number(span[3] ?? "1")];
  if (!(step > 0) || b < a) {
    throw new RangeError(`--param '${spec}': need a ≤ b and a positive step`);
  }
  const count = Math.floor((b - a) / step + 1e-9) + 1;
  if (count > SWEEP_LIMIT) throw new RangeError(`--param '${spec}' has ${count} values`);
  // Values are computed from the index (no accumulated error), rounded to the step's decimals.
  const decimals = Math.max(decimalsOf(a), decimalsOf(step));
  return { path, values: Array.from({ length: count }, (_, i) => round(a + i * step, decimals)) };
}

function decimalsOf(value: number): number {
  return (String(value).split(".")[1] ?? "").length;
}

function round(value: number, decimals: number): number {
  return Number(value.toFixed(decimals));
}

/** Problems of the params against a strategy: every path must name a number in the document. */
export function checkParams(strategy: Strategy, params: readonly SweepParam[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const { path } of params) {
    if (seen.has(path)) problems.push(`parameter '${path}' is given twice`);
    seen.add(path);
    let node: unknown = strategy;
    for (const key of path.split(".")) {
      node = node !== null && typeof node === "object" && Object.hasOwn(node, key)
        ? (node as Record<string, unknown>)[key]
        : undefined;
    }
    if (typeof node !== "number") {
      problems.push(
        `parameter '${path}' is not a number in strategy '${strategy.name}'` +
          (node === undefined ? " (no such path)" : ""),
      );
    }
  }
  return problems;
}

/** The number of combinations of the params. */
export function gridSize(params: readonly SweepParam[]): number {
  return params.reduce((n, p) => n * p.values.length, 1);
}

/** The `index`-th combination of the grid (the last parameter varies fastest). */
function combination(params: readonly SweepParam[], index: number): number[] {
  const values = new Array<number>(params.length);
  for (let i = params.length - 1; i >= 0; i--) {
    const { length } = params[i].values;
    values[i] = params[i].values[index % length];
    index = Math.floor(index / length);
  }
  return values;
}

/** Every combination of the grid, in order. */
export function gridTrials(params: readonly SweepParam[]): number[][] {
  const size = gridSize(params);
  if (size > SWEEP_LIMIT) throw new RangeError(`the grid has ${size} combinations`);
  return Array.from({ length: size }, (_, i) => combination(params, i));
}

/** `trials` distinct combinations drawn at random from the grid (the same seed gives the same). */
export function randomTrials(
  params: readonly SweepParam[],
  trials: number,
  seed: number,
): number[][] {
  const size = gridSize(params);
  if (trials >= size) return gridTrials(params);
  const prng = new Prng(seed);
  const picked = new Set<number>();
  const out: number[][] = [];
  while (out.length < trials) {
    const index = Math.floor(prng.next() * size);
    if (picked.has(index)) continue;
    picked.add(index);
    out.push(combination(params, index));
  }
  return out;
}

/** The strategy with one combination applied and validated again, or its problems. */
export function applyTrial(
  strategy: Strategy,
  params: readonly SweepParam[],
  values: readonly number[],
): { ok: true; strategy: Strategy } | { ok: false; problem: string } {
  const document = structuredClone(strategy) as Record<string, unknown>;
  params.forEach(({ path }, i) => {
    const keys = path.split(".");
    let node = document;
    for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
    node[keys.at(-1)!] = values[i];
  });
  const parsed = parseStrategy(document);
  if (parsed.ok) return parsed;
  return {
    ok: false,
    problem: parsed.errors.map((e) => `${e.path}: ${e.message}`).join("; "),
  };
}
