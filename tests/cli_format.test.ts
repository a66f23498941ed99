import assert from "node:assert/strict";
import { type CommandSpec, numberOption, parseCommand, UsageError } from "../cli/_args.ts";
import { countLine, fields, table } from "../cli/_format.ts";

Deno.test("table aligns columns, numbers to the right", () => {
  const out = table([{ header: "ID" }, { header: "EQUITY", right: true }], [
    ["a", "1.00"],
    ["longer", "10,000.00"],
  ]);
  assert.equal(
    out,
    [
      "ID         EQUITY",
      "------  ---------",
      "a            1.00",
      "longer  10,000.00",
    ].join("\n"),
  );
});

Deno.test("fields aligns values", () => {
  assert.equal(fields([["A", "1"], ["Long", "2"]]), "A     1\nLong  2");
});

const SPEC: CommandSpec = {
  name: "list",
  summary: "List things",
  args: ["ID"],
  options: { limit: { type: "string", value: "N", description: "at most N" } },
};

Deno.test("parseCommand parses options and positionals, refuses mistakes", () => {
  const parsed = parseCommand("paper", SPEC, ["abc", "--limit", "5", "--json"]);
  assert.deepEqual(parsed.positionals, ["abc"]);
  assert.equal(parsed.values.json, true);
  assert.equal(numberOption(parsed, "limit", { min: 1, integer: true }), 5);
  assert.throws(() => parseCommand("paper", SPEC, []), UsageError);
  assert.throws(() => parseCommand("paper", SPEC, ["a", "b"]), UsageError);
  assert.throws(() => parseCommand("paper", SPEC, ["a", "--nope"]), UsageError);
  const bad = parseCommand("paper", SPEC, ["a", "--limit", "1.5"]);
  assert.throws(
    () => numberOption(bad, "limit", { min: 1, integer: true }),
    /--limit must be an integer from 1 to ∞, got '1.5'/,
  );
  // --help wins over missing arguments.
  assert.equal(parseCommand("paper", SPEC, ["--help"]).values.help, true);
});

Deno.test("count lines say sessions and fills in the plural", () => {
  assert.equal(countLine(0, 2, 2, "session"), "2 sessions");
  assert.equal(countLine(0, 1, 1, "session"), "1 session");
  assert.equal(countLine(0, 0, 0, "fill"), "0 fills");
  assert.equal(countLine(50, 50, 120, "fill"), "fills 51–100 of 120");
});
