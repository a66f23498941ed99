import type { z } from "zod";

/** Turns a zod error into `{path, message}` items, one per problem. */
export function zodDetails(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({
    path: issue.path.map((p, i) => typeof p === "number" ? `[${p}]` : `${i ? "." : ""}${String(p)}`)
      .join(""),
    message: issue.message,
  }));
}
