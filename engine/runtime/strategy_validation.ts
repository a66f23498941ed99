/**
 * Validation of one strategy document as a request carries it, the same on
 * the main thread and in a validation worker: a YAML/JSON text or a parsed
 * document, optionally with a sizing rule that replaces the document's.
 */
import { parseStrategy, type Strategy, type StrategyError } from "../core/strategy/mod.ts";
import { textProblem } from "./storable_text.ts";

/** A document to validate. */
export interface ValidationRequest {
  /** YAML or JSON text, or an already parsed document. */
  readonly document: string | Record<string, unknown>;
  /** Replaces the document's sizing rule. */
  readonly sizing?: Record<string, unknown>;
}

/** The validated strategy with the source to store (a parsed document is stored as JSON), or every problem. */
export type ValidationOutcome =
  | { readonly ok: true; readonly strategy: Strategy; readonly source: string }
  | { readonly ok: false; readonly errors: StrategyError[] };

/**
 * Validates a request's document (within the document limits). Text that
 * cannot be stored (NUL, lone surrogates, also from YAML escapes) is a
 * problem too. Never throws.
 */
export function validateRequest(request: ValidationRequest): ValidationOutcome {
  const unstorable = textProblem(request.document);
  if (unstorable) return { ok: false, errors: [unstorable] };
  const parsed = parseStrategy(request.document);
  if (!parsed.ok) return parsed;
  const problem = textProblem(parsed.strategy);
  if (problem) return { ok: false, errors: [problem] };
  const source = typeof request.document === "string"
    ? request.document
    : JSON.stringify(request.document, null, 2);
  if (!request.sizing) return { ok: true, strategy: parsed.strategy, source };
  const resized = parseStrategy({ ...parsed.strategy, sizing: request.sizing });
  return resized.ok ? { ok: true, strategy: resized.strategy, source } : resized;
}
