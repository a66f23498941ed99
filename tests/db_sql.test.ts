import assert from "node:assert/strict";
import { sql } from "../db/mod.ts";

Deno.test("sql binds every value and renumbers fragments", () => {
  const where = sql`where a = ${1} and b = ${"x"}`;
  const statement = sql`select ${"c"} from t ${where} limit ${10}`;
  assert.equal(statement.text, "select $1 from t where a = $2 and b = $3 limit $4");
  assert.deepEqual(statement.params, ["c", 1, "x", 10]);
});
