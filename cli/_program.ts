/**
 * Runs a CLI program made of sub-commands: dispatch, `--help`, the API client
 * built from `--url`/`PAPER_URL` and `PAPER_API_TOKEN`, and the mapping of
 * failures to messages on stderr and exit codes (usage 2, everything else 1).
 */
import {
  type CommandSpec,
  commandUsage,
  parseCommand,
  type ParsedArgs,
  UsageError,
} from "./_args.ts";
import { ApiClient, ApiError, DEFAULT_URL, UnreachableError } from "./_client.ts";
import { errorText } from "../engine/core/error_text.ts";

/** What a command gets to do its work. */
export interface CommandContext {
  /** The parsed command line. */
  readonly args: ParsedArgs;
  /** Whether `--json` was given: print the API's JSON document and nothing else. */
  readonly json: boolean;
  /** The API client (from `--url`, `PAPER_URL` and `PAPER_API_TOKEN`). */
  client(): ApiClient;
}

/** One sub-command: its spec and what it does; returns the exit code (default 0). */
export interface Command extends CommandSpec {
  run(context: CommandContext): Promise<number | void>;
}

/** A program such as `paper`: a set of sub-commands. */
export interface Program {
  /** The `deno task` name, e.g. `paper`. */
  readonly name: string;
  readonly summary: string;
  readonly commands: readonly Command[];
}

/** Exit code of a usage error. */
export const EXIT_USAGE = 2;
/** Exit code of a failed request or command. */
export const EXIT_FAILURE = 1;

/** Prints a value as one pretty-printed JSON document on stdout. */
export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

/** The program's help: its commands and how to get help on each. */
export function programUsage(program: Program): string {
  const width = Math.max(...program.commands.map((command) => command.name.length));
  const lines = program.commands.map((command) =>
    `  ${command.name.padEnd(width)}  ${command.summary}`
  );
  return `${program.summary}\n\nusage: deno task ${program.name} COMMAND [options]\n\ncommands:\n${
    lines.join("\n")
  }\n\nRun 'deno task ${program.name} COMMAND --help' for a command's options.`;
}

/**
 * Runs `program` with the command-line `argv` and returns the exit code.
 * Writes results to stdout and failures to stderr.
 */
export async function runProgram(program: Program, argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--help" || name === "-h" || name === "help") {
    console.log(programUsage(program));
    return 0;
  }
  const command = program.commands.find((candidate) => candidate.name === name);
  if (!command) {
    const what = name === undefined ? "missing command" : `unknown command '${name}'`;
    console.error(`error: ${what}\n\n${programUsage(program)}`);
    return EXIT_USAGE;
  }
  try {
    const args = parseCommand(program.name, command, rest);
    if (args.values.help) {
      console.log(commandUsage(program.name, command));
      return 0;
    }
    let client: ApiClient | undefined;
    const context: CommandContext = {
      args,
      json: args.values.json === true,
      client: () => client ??= clientOf(args),
    };
    return (await command.run(context)) ?? 0;
  } catch (error) {
    return report(error, `deno task ${program.name} ${command.name} --help`);
  }
}

function clientOf(args: ParsedArgs): ApiClient {
  const raw = (args.values.url as string | undefined) ?? Deno.env.get("PAPER_URL") ?? DEFAULT_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--url must be an http(s) URL such as ${DEFAULT_URL}, got '${raw}'`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`--url must be an http(s) URL such as ${DEFAULT_URL}, got '${raw}'`);
  }
  return new ApiClient(raw, { token: Deno.env.get("PAPER_API_TOKEN") });
}

/** Prints a failure on stderr and returns its exit code. */
function report(error: unknown, help: string): number {
  if (error instanceof UsageError) {
    console.error(`error: ${error.message}\nRun '${help}' for usage.`);
    return EXIT_USAGE;
  }
  if (error instanceof ApiError) {
    const lines = [`error: ${error.message} (HTTP ${error.status})`];
    for (const detail of error.details) {
      lines.push(`  ${detail.path ? `${detail.path}: ` : ""}${detail.message}`);
    }
    if (error.status === 401) {
      lines.push("  set PAPER_API_TOKEN to the service's token");
    }
    console.error(lines.join("\n"));
    return EXIT_FAILURE;
  }
  if (error instanceof UnreachableError) {
    console.error(`error: ${error.message}`);
    return EXIT_FAILURE;
  }
  console.error(`error: ${errorText(error)}`);
  return EXIT_FAILURE;
}
