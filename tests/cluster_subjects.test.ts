// Node ids become NATS subject tokens one-to-one: ids that differ only in
// `.`, `_` or `:` never share a subject, and no token holds a character NATS
// reserves.
import assert from "node:assert/strict";
import { nodeSubject, subjectToken } from "../engine/runtime/cluster/subjects.ts";

Deno.test("node ids that differ in '.', '_' or ':' get different subjects", () => {
  const ids = ["a.b", "a_b", "a:b", "a-b", "ab", "a_2eb", "host:8000", "host_8000"];
  const subjects = ids.map((id) => nodeSubject("c1", id));
  assert.equal(new Set(subjects).size, ids.length, subjects.join(" "));
});

Deno.test("a subject token holds only letters, digits, '-' and '_'", () => {
  for (const id of ["n1", "web-1.example.org:8000", "x_y", "Ä.b"]) {
    assert.match(subjectToken(id), /^[A-Za-z0-9_-]+$/, id);
  }
  assert.equal(subjectToken("n1"), "n1");
  assert.equal(subjectToken("a.b"), "a_2eb");
  assert.equal(subjectToken("a_b"), "a_5fb");
});
