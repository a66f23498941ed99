/**
 * The API's one error shape: the JSON body of every failed request, and the
 * {@link ApiError} a client (CLI or dashboard) throws for it.
 */

/** One problem with a request: where (a field path, or "") and what. */
export interface ErrorDetail {
  readonly path: string;
  readonly message: string;
}

/** JSON body of every failed API request (`details` may be empty). */
export interface ErrorBody {
  readonly error: string;
  readonly details: readonly ErrorDetail[];
}

/** A failed API request: its HTTP status (0 when no answer came), message and details. */
export class ApiError extends Error {
  override name = "ApiError";
  /** HTTP status code, or 0 when the request got no answer. */
  readonly status: number;
  /** The API's `details` (paths and messages), when it sent any. */
  readonly details: readonly ErrorDetail[];

  constructor(status: number, message: string, details: readonly ErrorDetail[] = []) {
    super(message);
    this.status = status;
    this.details = details;
  }

  /**
   * The error of a failed answer from its parsed JSON body (`undefined` when
   * it was not JSON): its `error` and `details` (`errors` from the strategy
   * validation endpoint), else `fallback`.
   */
  static of(status: number, body: unknown, fallback: string): ApiError {
    const { error, details, errors } = (body && typeof body === "object" ? body : {}) as {
      error?: unknown;
      details?: unknown;
      errors?: unknown;
    };
    const list = Array.isArray(details) ? details : Array.isArray(errors) ? errors : undefined;
    const message = typeof error === "string" ? error : list ? "invalid" : fallback;
    return new ApiError(status, message, list?.map(detailOf) ?? []);
  }
}

function detailOf(detail: unknown): ErrorDetail {
  if (detail && typeof detail === "object") {
    const { path, message } = detail as { path?: unknown; message?: unknown };
    return { path: String(path ?? ""), message: String(message ?? JSON.stringify(detail)) };
  }
  return { path: "", message: String(detail) };
}
