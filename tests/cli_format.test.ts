import assert from "node:assert/strict";
import { type CommandSpec, numberOption, parseCommand, UsageError } from "../cli/_args.ts";
import { decimal, duration, fields, money, percent, ratio, table, time } from "../cli/_format.ts";

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

Deno.test("numbers, times and durations are formatted for people", () => {
  assert.equal(money(12345.678), "12,345.68");
  assert.equal(money(-0.5), "-0.50");
  assert.equal(money(5.00528586, { maxDigits: 4 }), "5.0053");
  assert.equal(money(null), "-");
  assert.equal(decimal(0.00150000), "0.0015");
  assert.equal(decimal(64210.5), "64,210.5");
  assert.equal(percent(0.01234), "+1.23%");
  assert.equal(percent(-0.5), "-50.00%");
  assert.equal(percent(0), "0.00%");
  assert.equal(ratio(null), "-");
  assert.equal(ratio(1.23456), "1.235");
  assert.equal(ratio(Infinity), "∞");
  assert.equal(time(0), "1970-01-01T00:00:00Z");
  assert.equal(time("2026-11-24T23:37:08.755Z"), "2026-11-24T23:37:08.755Z");
  assert.equal(time(null), "-");
  assert.equal(duration(0), "0s");
  assert.equal(duration(90_061_000), "1d 1h 1m 1s");
  assert.equal(duration(250), "250ms");
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
