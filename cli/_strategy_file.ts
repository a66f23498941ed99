/** Reading strategy documents (YAML/JSON files) named on the command line. */
import { formatCount, STRATEGY_LIMITS } from "../engine/core/strategy/mod.ts";
import { UsageError } from "./_args.ts";

/**
 * Reads a strategy file, at most one byte past the size limit of a strategy
 * document, so an endless or huge file (`/dev/zero`, a pipe) is refused at
 * once. A missing, unreadable or larger file is a {@link UsageError}.
 */
export async function readStrategyFile(path: string): Promise<string> {
  const limit = STRATEGY_LIMITS.sourceBytes;
  const bytes = new Uint8Array(limit + 1);
  let size = 0;
  try {
    using file = await Deno.open(path);
    while (size < bytes.length) {
      const n = await file.read(bytes.subarray(size));
      if (n === null) break;
      size += n;
    }
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "no such file"
      : (error as Error).message;
    throw new UsageError(`cannot read strategy file '${path}': ${reason}`);
  }
  if (size > limit) {
    throw new UsageError(
      `cannot read strategy file '${path}': larger than ${
        formatCount(limit)
      } bytes, the limit of a strategy document`,
    );
  }
  return new TextDecoder().decode(bytes.subarray(0, size));
}

/**
 * What `--strategy` names: the text of a local file when one exists at that
 * path (or the value looks like a path), else a stored strategy id.
 */
export async function strategyReference(
  value: string,
): Promise<{ kind: "file"; source: string } | { kind: "id"; id: string }> {
  const looksLikePath = /[\\/]|\.(ya?ml|json)$/i.test(value);
  let isFile = false;
  try {
    isFile = (await Deno.stat(value)).isFile;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  if (isFile || looksLikePath) return { kind: "file", source: await readStrategyFile(value) };
  return { kind: "id", id: value };
}
