/**
 * Entry of a strategy validation worker (see `strategy_validator.ts`): it
 * validates one request at a time and answers with the outcome. It runs
 * without permissions.
 */
/// <reference lib="deno.worker" />
import process from "node:process";
import { validateRequest, type ValidationRequest } from "./strategy_validation.ts";

// The YAML parser reads LOG_TOKENS and LOG_STREAM from the environment for
// every token; this worker may not read the environment, so it gets an empty one.
Object.defineProperty(process, "env", { value: {} });

/** A request from the main thread. */
export interface ToValidationWorker {
  readonly id: number;
  readonly request: ValidationRequest;
}

self.onmessage = (event: MessageEvent<ToValidationWorker>) => {
  const { id, request } = event.data;
  self.postMessage({ id, outcome: validateRequest(request) });
};
// Loading this module can take seconds on a busy machine: the pool counts a
// document's time only from when a loaded worker takes it.
self.postMessage({ ready: true });
