/**
 * Command-line parsing for the `deno task` commands: a small command spec on
 * top of `node:util` parseArgs, with usage text generated from the spec.
 */
import { parseArgs } from "node:util";
import { type IntRange, OFFSET } from "../contract/mod.ts";
import { ValidationError } from "../engine/runtime/errors.ts";

/** A mistake on the command line; reported on stderr with exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
  /** Usage text of the command that was misused. */
  readonly usage: string;

  constructor(message: string, usage = "") {
    super(message);
    this.usage = usage;
  }
}

/** One option of a command. */
export interface OptionSpec {
  readonly type: "string" | "boolean";
  /** Placeholder shown in the usage text for string options, e.g. `N`. */
  readonly value?: string;
  readonly description: string;
}

/** Options every command accepts. */
export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  url: {
    type: "string",
    value: "URL",
    description: "service address (default: $PAPER_URL, else http://127.0.0.1:8000)",
  },
  json: { type: "boolean", description: "print the API's JSON document instead of a table" },
  help: { type: "boolean", description: "show this help" },
};

/** What a command looks like on the command line. */
export interface CommandSpec {
  /** Sub-command name, e.g. `start`. */
  readonly name: string;
  /** One line saying what it does. */
  readonly summary: string;
  /** Positional argument names, all required, e.g. `["ID"]`. */
  readonly args: readonly string[];
  /** Synopsis of the options, e.g. `--symbol SYMBOL [--limit N]`. */
  readonly synopsis?: string;
  /** Command-specific options (the global ones are added). */
  readonly options: Readonly<Record<string, OptionSpec>>;
}

/** Parsed command line of one command. */
export interface ParsedArgs {
  readonly values: Record<string, string | boolean | undefined>;
  readonly positionals: readonly string[];
}

/** The usage text of a command of program `program` (e.g. `paper`). */
export function commandUsage(program: string, spec: CommandSpec): string {
  const head = [`deno task ${program} ${spec.name}`, ...spec.args, spec.synopsis ?? ""]
    .filter(Boolean).join(" ");
  const options = { ...spec.options, ...GLOBAL_OPTIONS };
  const labels = Object.entries(options).map(([name, option]) =>
    option.type === "string" ? `--${name} ${option.value ?? "VALUE"}` : `--${name}`
  );
  const width = Math.max(...labels.map((label) => label.length));
  const lines = Object.values(options).map((option, i) =>
    `  ${labels[i].padEnd(width)}  ${option.description}`
  );
  return `${spec.summary}\n\nusage: ${head}\n\noptions:\n${lines.join("\n")}`;
}

/** Parses the arguments of one command; throws {@link UsageError} on any mistake. */
export function parseCommand(
  program: string,
  spec: CommandSpec,
  argv: readonly string[],
): ParsedArgs {
  const usage = commandUsage(program, spec);
  const options = Object.fromEntries(
    Object.entries({ ...spec.options, ...GLOBAL_OPTIONS }).map((
      [name, option],
    ) => [name, { type: option.type }]),
  );
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message, usage);
  }
  const values = parsed.values as ParsedArgs["values"];
  if (values.help) return { values, positionals: parsed.positionals };
  if (parsed.positionals.length !== spec.args.length) {
    const expected = spec.args.length === 0 ? "no arguments" : spec.args.join(" ");
    const got = parsed.positionals.length === 0 ? "none" : `'${parsed.positionals.join(" ")}'`;
    throw new UsageError(`${program} ${spec.name} expects ${expected}, got ${got}`, usage);
  }
  return { values, positionals: parsed.positionals };
}

/** A required string option, or a {@link UsageError} naming it. */
export function requiredString(parsed: ParsedArgs, name: string): string {
  const value = parsed.values[name];
  if (typeof value !== "string" || value === "") {
    throw new UsageError(`--${name} is required`);
  }
  return value;
}

/**
 * A number option within bounds, or undefined when absent; a {@link UsageError}
 * when it is not a number or out of bounds.
 */
export function numberOption(
  parsed: ParsedArgs,
  name: string,
  options: { min?: number; max?: number; integer?: boolean } = {},
): number | undefined {
  const raw = parsed.values[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  const { min = -Infinity, max = Infinity } = options;
  if (
    typeof raw !== "string" || raw.trim() === "" || !Number.isFinite(value) ||
    (options.integer && !Number.isInteger(value)) || value < min || value > max
  ) {
    const kind = options.integer ? "an integer" : "a number";
    const range = Number.isFinite(min) || Number.isFinite(max)
      ? ` from ${min} to ${Number.isFinite(max) ? max : "∞"}`
      : "";
    throw new UsageError(`--${name} must be ${kind}${range}, got '${raw}'`);
  }
  return value;
}

/**
 * Runs a local command's `main` and exits with its code: a usage mistake
 * prints the message and `usage` (exit 2), any other failure one line (exit 1).
 */
export async function runLocalCommand(
  name: string,
  usage: string,
  main: () => Promise<number>,
): Promise<never> {
  try {
    Deno.exit(await main());
  } catch (error) {
    const misused = error instanceof UsageError;
    const message = error instanceof ValidationError
      ? `${error.message}: ${error.details.map((d) => `${d.path}: ${d.message}`).join("; ")}`
      : (error as Error).message;
    console.error(`${name}: ${message}${misused ? `\n${usage}` : ""}`);
    Deno.exit(misused ? 2 : 1);
  }
}

/** `--limit N` and `--offset N` of a list of `noun` (plural) whose page size is `range`. */
export function pageOptions(noun: string, range: IntRange): Record<string, OptionSpec> {
  return {
    limit: {
      type: "string",
      value: "N",
      description: `at most N ${noun} (default ${range.fallback})`,
    },
    offset: { type: "string", value: "N", description: `skip the first N ${noun}` },
  };
}

/** The `limit` and `offset` of a page, from the options of {@link pageOptions}. */
export function pageQuery(
  parsed: ParsedArgs,
  range: IntRange,
): { limit: number | undefined; offset: number | undefined } {
  return {
    limit: numberOption(parsed, "limit", { ...range, integer: true }),
    offset: numberOption(parsed, "offset", { min: OFFSET.min, integer: true }),
  };
}
