import type { z } from "zod";

/** The value at `path` inside `input`, or undefined when any step is missing. */
function at(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/**
 * Turns a zod error into `{path, message}` items, one per problem. Given the
 * validated `input`, a field that is absent says it is required (zod alone
 * says only "Invalid input" for a missing union such as `strategy`).
 */
export function zodDetails(
  error: z.ZodError,
  input?: unknown,
): { path: string; message: string }[] {
  return error.issues.map((issue) => {
    const missing = input !== undefined && issue.path.length > 0 &&
      at(input, issue.path) === undefined;
    const expected = "expected" in issue ? ` (expected ${String(issue.expected)})` : "";
    return {
      path: issue.path.map((p, i) =>
        typeof p === "number" ? `[${p}]` : `${i ? "." : ""}${String(p)}`
      ).join(""),
      message: missing ? `required${expected}` : issue.message,
    };
  });
}
