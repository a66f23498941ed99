import assert from "node:assert/strict";
import { createLogger } from "../engine/runtime/log.ts";

Deno.test("the logger prints lines at its level and above only", () => {
  const printed: string[] = [];
  const original = console.error;
  console.error = (line: string) => printed.push(line);
  try {
    const log = createLogger("warn");
    log.debug("d");
    log.info("i");
    log.warn("w");
    log.error("e");
  } finally {
    console.error = original;
  }
  assert.equal(printed.length, 2);
  assert.match(printed[0], /^\d{4}-\d\d-\d\dT[\d:.]+Z WARN w$/);
  assert.match(printed[1], / ERROR e$/);
});
