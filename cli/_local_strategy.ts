/** The strategy a local command (backtest, sweep) runs: a file, an example id or a stored id. */
import type { Strategy } from "../engine/core/strategy/mod.ts";
import { StrategyStore, validateStrategy } from "../engine/runtime/strategies.ts";
import { openDatabase } from "../db/mod.ts";
import { readStrategyFile } from "./_strategy_file.ts";

/** Whether a regular file exists at `path`. */
export async function exists(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/** A strategy file, an example id, or (with DATABASE_URL) a stored strategy id. */
export async function loadStrategy(spec: string): Promise<Strategy> {
  if (await exists(spec)) return validateStrategy(await readStrategyFile(spec));
  if (/^[a-z0-9][a-z0-9_-]{0,63}$/.test(spec)) {
    const example = new URL(`../strategies/${spec}.yaml`, import.meta.url);
    if (await exists(example.pathname)) {
      return validateStrategy(await Deno.readTextFile(example));
    }
    const url = Deno.env.get("DATABASE_URL");
    if (url) {
      const db = await openDatabase({ url });
      try {
        return validateStrategy((await new StrategyStore(db).get(spec)).source);
      } finally {
        await db.close();
      }
    }
  }
  throw new RangeError(
    `--strategy '${spec}' is neither a file nor a known strategy id (examples: strategies/*.yaml)`,
  );
}
