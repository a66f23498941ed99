import type { Context } from "hono";
import type { ErrorBody, ErrorDetail, IntRange } from "../../contract/mod.ts";
import { HTTPException } from "hono/http-exception";
import type { Logger } from "../../engine/runtime/log.ts";
import {
  ConflictError,
  DatabaseUnavailableError,
  NotFoundError,
  ServiceUnavailableError,
  ValidationError,
} from "../../engine/runtime/errors.ts";
import { MAX_NESTING, textProblem } from "../../engine/runtime/storable_text.ts";

/**
 * The one place that maps failures to HTTP statuses: expected domain errors
 * become 4xx/503 with a message (an unreachable database is a 503 with the
 * reason); anything else is a 500 without internals.
 */
export function onApiError(error: Error, c: Context, log: Logger): Response {
  if (error instanceof ValidationError) {
    return c.json(errorBody(error.message, error.details), error.status);
  }
  if (error instanceof NotFoundError) return c.json(errorBody(error.message), 404);
  if (error instanceof ConflictError) return c.json(errorBody(error.message), 409);
  if (error instanceof ServiceUnavailableError) return c.json(errorBody(error.message), 503);
  if (error instanceof DatabaseUnavailableError) {
    return c.json(errorBody(`${error.message}; try again when it is back`), 503);
  }
  if (error instanceof HTTPException) {
    return c.json(errorBody(error.message || "request failed"), error.status);
  }
  log.error(`unexpected error on ${c.req.method} ${c.req.path}: ${error.stack ?? error}`);
  return c.json(errorBody("internal error"), 500);
}

/** The JSON body of a failed request: always `{error, details}`. */
export function errorBody(error: string, details: readonly ErrorDetail[] = []): ErrorBody {
  return { error, details };
}

/** How deeply arrays and objects nest in JSON text (a linear scan; strings skipped). */
function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) { // a string: skip to its closing quote
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === 0x5c) i++;
        else if (s === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > deepest) deepest = depth;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

/**
 * Parses JSON text, answering 400 with the parser's message when it is not
 * JSON, when it nests deeper than {@link MAX_NESTING} (checked first, before
 * parsing: a deeply nested body would hold the main thread and every recursive
 * step after), or when it holds text that cannot be stored (NUL, lone surrogates).
 */
export function parseJson(text: string): unknown {
  const depth = jsonDepth(text);
  if (depth > MAX_NESTING) {
    throw new ValidationError("JSON nested too deeply", [{
      path: "",
      message: `arrays and objects nest ${
        depth.toLocaleString("en-US")
      } levels deep; the limit is ${MAX_NESTING}`,
    }]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ValidationError("malformed JSON", [{ path: "", message: (error as Error).message }]);
  }
  assertStorable(value);
  return value;
}

/** Answers 400 when a request value holds text that cannot be stored or nests too deep. */
export function assertStorable(value: unknown): void {
  const problem = textProblem(value);
  if (problem) throw new ValidationError("invalid text in request", [problem]);
}

/** Decodes UTF-8, refusing bytes that are not UTF-8 (instead of replacing them with U+FFFD). */
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Reads a JSON body, answering 400 when it is empty (unless `optional`: then
 * `{}`), not UTF-8, not JSON, nested too deeply or unstorable.
 */
export async function jsonBody(c: Context, optional = false): Promise<unknown> {
  let text: string;
  try {
    text = utf8.decode(await c.req.arrayBuffer());
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    throw new ValidationError("invalid text in request", [{
      path: "",
      message: "the body is not UTF-8 text",
    }]);
  }
  if (text.trim() === "") {
    if (optional) return {};
    throw new ValidationError("request body is empty", [{ path: "", message: "expected JSON" }]);
  }
  return parseJson(text);
}

/**
 * Reads a form body (URL-encoded or multipart), answering 400 when it cannot
 * be parsed (a multipart body without its boundary, or broken).
 */
export async function formBody(c: Context): Promise<Record<string, unknown>> {
  try {
    return await c.req.parseBody();
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    throw new ValidationError("malformed form", [{
      path: "",
      message:
        "expected application/x-www-form-urlencoded, or multipart/form-data with its boundary and parts",
    }]);
  }
}

/**
 * Parses an integer query parameter within bounds, or answers 400. Only
 * decimal digits are an integer (not `0x10`, `+5`, `1e1` or `1.0`).
 */
export function intQuery(
  c: Context,
  name: string,
  options: IntRange,
): number {
  const raw = c.req.query(name);
  if (raw === undefined || raw === "") return options.fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(value) || value < options.min || value > options.max) {
    throw new ValidationError(`invalid query parameter '${name}'`, [{
      path: name,
      message: `'${raw}' must be an integer from ${options.min} to ${options.max}`,
    }]);
  }
  return value;
}
