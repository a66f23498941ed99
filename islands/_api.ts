/**
 * Browser-side REST helpers shared by the islands: JSON requests whose
 * failures carry the API's message and validation details.
 */

import { ApiError } from "../contract/mod.ts";

export { ApiError, type ErrorDetail } from "../contract/mod.ts";

/**
 * Calls the API; `body` is sent as JSON unless it is a string (sent as text,
 * e.g. a YAML strategy) or a file (sent as it is, streamed by the browser).
 * Resolves to the parsed JSON answer (undefined for 204).
 */
export async function api<T>(
  method: string,
  path: string,
  options: { body?: unknown } = {},
): Promise<T> {
  const init: RequestInit = { method, headers: {} };
  if (options.body instanceof Blob) {
    init.body = options.body;
    init.headers = { "content-type": "application/octet-stream" };
  } else if (options.body !== undefined) {
    const text = typeof options.body === "string";
    init.body = text ? options.body as string : JSON.stringify(options.body);
    init.headers = { "content-type": text ? "text/plain" : "application/json" };
  }
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    throw new ApiError(0, `network error: ${(error as Error).message}`);
  }
  if (response.status === 204) return undefined as T;
  const answer = await response.json().catch(() => undefined);
  if (!response.ok) {
    throw ApiError.of(response.status, answer, `${method} ${path} failed: ${response.status}`);
  }
  return answer as T;
}

/** Text for an error shown inline: the message, then each detail as `path: message`. */
export function errorLines(error: unknown): string[] {
  if (!(error instanceof ApiError)) return [String((error as Error)?.message ?? error)];
  return [
    error.message,
    ...error.details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)),
  ];
}
