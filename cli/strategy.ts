/**
 * `deno task strategy COMMAND`: validate strategy documents locally, and list,
 * show, create, update and delete the strategies stored by a running service.
 *
 * Commands: validate (local, no service needed), list, show, create, update,
 * delete. Every command accepts `--json` and `--help`; see docs/cli.md.
 */
import { type StoredStrategy, STRATEGY_VERSION } from "../contract/mod.ts";
import { parseStrategy } from "../engine/core/strategy/mod.ts";
import { numberOption } from "./_args.ts";
import { fields, table } from "./_format.ts";
import { time } from "../presentation/format.ts";
import { type Command, EXIT_FAILURE, printJson, type Program, runProgram } from "./_program.ts";
import { readStrategyFile } from "./_strategy_file.ts";

const STRATEGIES = "/strategies";

function strategyPath(id: string): string {
  return `${STRATEGIES}/${encodeURIComponent(id)}`;
}

const validate: Command = {
  name: "validate",
  summary: "Check a strategy file locally; print every problem with its path",
  args: ["FILE"],
  options: {},
  async run({ args, json }) {
    const file = args.positionals[0];
    const result = parseStrategy(await readStrategyFile(file));
    if (json) {
      printJson(
        result.ok
          ? { valid: true, name: result.strategy.name }
          : { valid: false, errors: result.errors },
      );
      return result.ok ? 0 : EXIT_FAILURE;
    }
    if (result.ok) {
      console.log(`valid: ${file} (strategy '${result.strategy.name}')`);
      return 0;
    }
    for (const error of result.errors) {
      console.log(`${error.path || "(document)"}: ${error.message}`);
    }
    const count = result.errors.length;
    console.error(
      `error: ${file} is not a valid strategy (${count} problem${count === 1 ? "" : "s"})`,
    );
    return EXIT_FAILURE;
  },
};

const list: Command = {
  name: "list",
  summary: "List stored strategies",
  args: [],
  options: {},
  async run({ json, client }) {
    const result = await client().json<{ strategies: StoredStrategy[] }>("GET", STRATEGIES);
    if (json) return printJson(result);
    if (result.strategies.length === 0) return console.log("no strategies");
    console.log(table(
      [
        { header: "ID" },
        { header: "NAME" },
        { header: "VERSION", right: true },
        { header: "UPDATED" },
      ],
      result.strategies.map((s) => [s.id, s.name, String(s.version), time(s.updated_at)]),
    ));
  },
};

const show: Command = {
  name: "show",
  summary: "Show a stored strategy and its source",
  args: ["ID"],
  synopsis: "[--version N]",
  options: {
    version: { type: "string", value: "N", description: "an earlier version (default: current)" },
  },
  async run({ args, json, client }) {
    const version = numberOption(args, "version", { ...STRATEGY_VERSION, integer: true });
    const strategy = await client().json<StoredStrategy>("GET", strategyPath(args.positionals[0]), {
      query: { version },
    });
    if (json) return printJson(strategy);
    console.log(fields([
      ["Strategy", strategy.id],
      ["Name", strategy.name],
      ["Version", String(strategy.version)],
      ["Created", time(strategy.created_at)],
      ["Updated", time(strategy.updated_at)],
    ]));
    console.log(`\n${strategy.source.trimEnd()}`);
  },
};

const create: Command = {
  name: "create",
  summary: "Store a new strategy from a YAML/JSON file",
  args: ["FILE"],
  synopsis: "[--id ID]",
  options: {
    id: { type: "string", value: "ID", description: "its id (default: derived from its name)" },
  },
  async run({ args, json, client }) {
    const source = await readStrategyFile(args.positionals[0]);
    const strategy = await client().json<StoredStrategy>("POST", STRATEGIES, {
      query: { id: args.values.id as string | undefined },
      json: { source },
    });
    if (json) return printJson(strategy);
    console.log(
      `created strategy ${strategy.id} ('${strategy.name}', version ${strategy.version})`,
    );
  },
};

const update: Command = {
  name: "update",
  summary: "Store a new version of a strategy from a YAML/JSON file",
  args: ["ID", "FILE"],
  options: {},
  async run({ args, json, client }) {
    const [id, file] = args.positionals;
    const source = await readStrategyFile(file);
    const strategy = await client().json<StoredStrategy>("PUT", strategyPath(id), {
      json: { source },
    });
    if (json) return printJson(strategy);
    console.log(`updated strategy ${strategy.id} to version ${strategy.version}`);
  },
};

const remove: Command = {
  name: "delete",
  summary: "Delete a stored strategy (running sessions keep their copy)",
  args: ["ID"],
  options: {},
  async run({ args, json, client }) {
    const id = args.positionals[0];
    await client().json<void>("DELETE", strategyPath(id));
    if (json) return printJson({ id, deleted: true });
    console.log(`deleted strategy ${id}`);
  },
};

/** The `strategy` program. */
export const STRATEGY: Program = {
  name: "strategy",
  summary: "Strategy documents: validate locally, manage those stored by the service.",
  commands: [validate, list, show, create, update, remove],
};

if (import.meta.main) Deno.exit(await runProgram(STRATEGY, Deno.args));
