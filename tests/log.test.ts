import assert from "node:assert/strict";
import { createLogger } from "../engine/runtime/log.ts";

/** The lines `write` prints on stderr. */
function printedBy(write: () => void): string[] {
  const printed: string[] = [];
  const original = console.error;
  console.error = (line: string) => printed.push(line);
  try {
    write();
  } finally {
    console.error = original;
  }
  return printed;
}

Deno.test("the logger prints lines at its level and above only", () => {
  const printed = printedBy(() => {
    const log = createLogger("warn");
    log.debug("d");
    log.info("i");
    log.warn("w");
    log.error("e");
  });
  assert.equal(printed.length, 2);
  assert.match(printed[0], /^\d{4}-\d\d-\d\dT[\d:.]+Z WARN w$/);
  assert.match(printed[1], / ERROR e$/);
});

Deno.test("control characters in a message cannot end its line or forge another", () => {
  const path = decodeURIComponent("/x%0D%0A2026-01-01T00:00:00.000Z INFO admin logged in%1B[2J");
  const printed = printedBy(() => createLogger("info").warn(`no route for GET ${path}\u2028\0`));
  assert.equal(printed.length, 1);
  assert.ok(!/[\p{Cc}\u2028]/u.test(printed[0]), JSON.stringify(printed[0]));
  assert.match(
    printed[0],
    / WARN no route for GET \/x\\r\\n2026-01-01T00:00:00\.000Z INFO admin logged in\\u001b\[2J\\u2028\\u0000$/,
  );
});
