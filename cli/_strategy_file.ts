/** Reading strategy documents (YAML/JSON files) named on the command line. */
import { UsageError } from "./_args.ts";

/** Reads a strategy file; a missing or unreadable file is a {@link UsageError}. */
export async function readStrategyFile(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "no such file"
      : (error as Error).message;
    throw new UsageError(`cannot read strategy file '${path}': ${reason}`);
  }
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
