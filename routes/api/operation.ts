/**
 * Registers route handlers from the contract's operation table: the query
 * parameters and a JSON body are validated here, at the edge, and the
 * handler receives them typed.
 */
import type { Context, Hono } from "hono";
import type { z } from "zod";
import type { Operation, QueryParam, RequestBody } from "../../contract/operations.ts";
import { ValidationError } from "../../engine/runtime/errors.ts";
import { zodDetails } from "../../engine/runtime/zod_details.ts";
import { intQuery, jsonBody } from "./errors.ts";

/** A JSON request body of the operation table. */
type JsonBody = Extract<RequestBody, { type: "json" }>;

/** The value of a validated query parameter. */
type ValueOf<P> = P extends { type: "integer"; optional: true } ? number | undefined
  : P extends { type: "integer" } ? number
  : P extends { type: "enum"; values: readonly (infer V)[]; fallback: string } ? V
  : P extends { type: "enum"; values: readonly (infer V)[] } ? V | undefined
  : P extends { type: "string"; required: true } ? string
  : string | undefined;

/** The validated query of an operation. */
export type QueryOf<O extends Operation> = O["query"] extends Readonly<Record<string, QueryParam>>
  ? { -readonly [K in keyof O["query"]]: ValueOf<O["query"][K]> }
  : Record<never, never>;

/** The validated body of an operation (JSON bodies only; others are read by the handler). */
export type BodyOf<O extends Operation> = O["body"] extends { type: "json"; schema: infer S }
  ? S extends z.ZodType ? z.output<S> : never
  : undefined;

/** Names of the parameters of a path (`/a/{id}/b` → `"id"`). */
type ParamNames<P> = P extends `${string}{${infer N}}${infer R}` ? N | ParamNames<R> : never;

/** What a handler receives besides the context. */
export interface Input<O extends Operation> {
  /** The path parameters. */
  readonly path: { readonly [K in ParamNames<O["path"]>]: string };
  readonly query: QueryOf<O>;
  readonly body: BodyOf<O>;
}

/** A handler of one operation. */
export type Handler<O extends Operation> = (
  c: Context,
  input: Input<O>,
) => Response | Promise<Response>;

/** A query value, or 400 naming the parameter when it is not valid. */
function queryValue(c: Context, name: string, param: QueryParam): unknown {
  const raw = c.req.query(name);
  switch (param.type) {
    case "integer":
      return param.optional && raw === undefined ? undefined : intQuery(c, name, param.range);
    case "enum":
      if (raw === undefined) return param.fallback;
      if (!param.values.includes(raw)) {
        throw new ValidationError(`invalid query parameter '${name}'`, [{
          path: name,
          message: `'${raw}' is not ${
            param.values.length === 2
              ? param.values.join(" or ")
              : `one of ${param.values.join(", ")}`
          }`,
        }]);
      }
      return raw;
    case "string":
      return raw;
  }
}

/** A JSON body validated with its operation's schema, or 400 with every problem. */
export function validBody<B extends JsonBody>(body: B, value: unknown): z.output<B["schema"]> {
  const parsed = body.schema.safeParse(value);
  if (!parsed.success) throw new ValidationError(body.invalid, zodDetails(parsed.error, value));
  return parsed.data as z.output<B["schema"]>;
}

/**
 * Validates a request against its operation: query first, then a JSON body.
 * An operation that takes no body ignores one, but only when it is JSON (400
 * otherwise, as for every body).
 */
async function inputOf<O extends Operation>(c: Context, operation: O): Promise<Input<O>> {
  const query: Record<string, unknown> = {};
  for (const [name, param] of Object.entries(operation.query ?? {})) {
    query[name] = queryValue(c, name, param);
  }
  if (operation.body === undefined) await jsonBody(c, true);
  const body = operation.body?.type === "json"
    ? validBody(operation.body, await jsonBody(c, operation.body.optional))
    : undefined;
  return { path: c.req.param(), query, body } as Input<O>;
}

/**
 * A registrar for the operations under `prefix` (where `app` is mounted):
 * `on(OPERATIONS.listSessions, (c, { query }) => ...)`.
 */
export function operations(
  app: Hono,
  prefix: string,
): <O extends Operation>(operation: O, handler: Handler<O>) => void {
  return (operation, handler) => {
    if (!operation.path.startsWith(prefix)) {
      throw new RangeError(`operation ${operation.path} is not under ${prefix}`);
    }
    const path = honoPath(operation).slice(prefix.length) || "/";
    app.on(
      operation.method.toUpperCase(),
      path,
      async (c) => await handler(c, await inputOf(c, operation)),
    );
  };
}

/** The Hono path of an operation (`{id}` → `:id`). */
export function honoPath(operation: Operation): string {
  return operation.path.replaceAll(/\{(\w+)\}/g, ":$1");
}
