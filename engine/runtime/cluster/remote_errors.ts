/**
 * Errors across nodes: a command answered by another node carries its
 * failure back as JSON, and the receiving node throws the same kind of error
 * (so the API answers with the same status as if the owner had been asked).
 */
import type { ErrorDetail } from "../../../contract/mod.ts";
import {
  ConflictError,
  NotFoundError,
  ServiceUnavailableError,
  ValidationError,
} from "../errors.ts";

/** A failure as it travels between nodes. */
export interface RemoteError {
  readonly name: string;
  readonly message: string;
  readonly details?: readonly ErrorDetail[];
  readonly status?: 400 | 422;
}

/** `error` as JSON for the node that asked. */
export function encodeError(error: unknown): RemoteError {
  if (error instanceof ValidationError) {
    return {
      name: error.name,
      message: error.message,
      details: error.details,
      status: error.status,
    };
  }
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "Error", message: String(error) };
}

/** The error a remote failure stands for. */
export function decodeError(remote: RemoteError): Error {
  switch (remote.name) {
    case "NotFoundError":
      return new NotFoundError(remote.message);
    case "ConflictError":
      return new ConflictError(remote.message);
    case "ValidationError":
      return new ValidationError(remote.message, remote.details ?? [], remote.status);
    case "ServiceUnavailableError":
      return new ServiceUnavailableError(remote.message);
    default:
      return new Error(remote.message);
  }
}
