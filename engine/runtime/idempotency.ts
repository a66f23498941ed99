/**
 * Idempotency keys of create requests: a client that did not hear the answer
 * sends the same request again with the same `Idempotency-Key` and gets the
 * session the first request created, never a second one.
 */
import { MAX_IDEMPOTENCY_KEY } from "../../contract/mod.ts";
import { ValidationError } from "./errors.ts";

const KEY = new RegExp(`^[\\x21-\\x7e]{1,${MAX_IDEMPOTENCY_KEY}}$`);

/** Checks an `Idempotency-Key` header value (1 to {@link MAX_IDEMPOTENCY_KEY} visible ASCII characters); undefined when absent. */
export function idempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!KEY.test(header)) {
    throw new ValidationError("invalid Idempotency-Key header", [{
      path: "Idempotency-Key",
      message: `expected 1 to ${MAX_IDEMPOTENCY_KEY} visible ASCII characters, got ${
        JSON.stringify(header.slice(0, 40))
      }${header.length > 40 ? "…" : ""} (${header.length} characters)`,
    }]);
  }
  return header;
}

/** JSON text of `value` with object keys sorted, so equal documents give equal text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** SHA-256 (hex) of a request body's canonical JSON: tells a retry from a different request. */
export async function requestDigest(body: unknown): Promise<string> {
  const bytes = new TextEncoder().encode(canonicalJson(body));
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("");
}
