import type { MiddlewareHandler } from "hono";
import { ValidationError } from "../../engine/runtime/errors.ts";

// Control characters (C0, DEL, C1): never part of an id, a symbol or a query value.
const CONTROL = /\p{Cc}/u;

/** What is wrong with one percent-encoded part of a URL, or undefined. */
function partProblem(raw: string): string | undefined {
  let text: string;
  try {
    text = decodeURIComponent(raw.replaceAll("+", " "));
  } catch {
    return `'${raw}' is not valid percent-encoded UTF-8`;
  }
  const control = CONTROL.exec(text);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
    return `'${raw}' contains the control character U+${code}`;
  }
  return undefined;
}

/**
 * Refuses (400) a request whose path segments or query keys and values
 * decode to control characters (`%00` in an id) or are not valid UTF-8, on
 * every route, so no handler, query or page ever sees them.
 */
export function cleanUrl(): MiddlewareHandler {
  return async (c, next) => {
    // A request URL is already parsed: raw control characters are percent-encoded in it, so only
    // URLs with a '%' can hide any.
    const url = c.req.url;
    if (url.includes("%")) {
      const { pathname, search } = new URL(url);
      const parts = [
        ...pathname.split("/").map((part) => ({ where: "path", part })),
        ...search.slice(1).split(/[&=]/).map((part) => ({ where: "query", part })),
      ];
      for (const { where, part } of parts) {
        const message = partProblem(part);
        if (message) throw new ValidationError("invalid URL", [{ path: where, message }]);
      }
    }
    await next();
  };
}
