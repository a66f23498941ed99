/**
 * Expected failures the API maps to HTTP statuses (one `onError` does it).
 */
import type { ErrorDetail } from "../../contract/mod.ts";

/** The database cannot be reached (503 with the reason). */
export { DatabaseUnavailableError } from "../../db/mod.ts";

/** The thing asked for does not exist (404). */
export class NotFoundError extends Error {
  override name = "NotFoundError";
}

/** The request conflicts with the current state, e.g. an invalid session transition (409). */
export class ConflictError extends Error {
  override name = "ConflictError";
}

/** Input failed validation (422 for documents, 400 for requests); `details` lists each problem. */
export class ValidationError extends Error {
  override name = "ValidationError";
  readonly details: readonly ErrorDetail[];
  readonly status: 400 | 422;
  constructor(
    message: string,
    details: readonly ErrorDetail[],
    status: 400 | 422 = 400,
  ) {
    super(message);
    this.details = details;
    this.status = status;
  }
}

/** The service cannot take the request right now (503), e.g. a session's command queue is full. */
export class ServiceUnavailableError extends Error {
  override name = "ServiceUnavailableError";
}
