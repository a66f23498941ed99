/**
 * Browser-side REST helpers shared by the islands: JSON requests whose
 * failures carry the API's message and validation details.
 */

/** One validation problem as the API reports it. */
export interface ErrorDetail {
  readonly path: string;
  readonly message: string;
}

/** A failed API request: its status, message and (for 400/422) details with paths. */
export class ApiError extends Error {
  readonly status: number;
  readonly details: readonly ErrorDetail[];

  constructor(status: number, message: string, details: readonly ErrorDetail[] = []) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.details = details;
  }
}

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
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    // The validation endpoint answers 422 with `errors` instead of `details`.
    const details = answer.details ?? answer.errors;
    throw new ApiError(
      response.status,
      answer.error ?? (details ? "invalid" : `${method} ${path} failed: ${response.status}`),
      Array.isArray(details) ? details : [],
    );
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
