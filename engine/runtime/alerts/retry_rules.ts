/**
 * What an answer of a webhook target says about trying again, as HTTP means
 * it: a 4xx is the request's own fault and repeating it changes nothing,
 * except 408 (timeout), 425 (too early) and 429 (too many requests); a 429 or
 * a 503 may say when to come back (`Retry-After`, seconds or an HTTP date).
 */

/** 4xx statuses that a later, identical request may get past. */
const RETRYABLE_4XX: ReadonlySet<number> = new Set([408, 425, 429]);

/** Statuses whose `Retry-After` is honoured. */
const RETRY_AFTER_STATUSES: ReadonlySet<number> = new Set([429, 503]);

/** Whether an answer with `status` means the alert can never be delivered to that target. */
export function isPermanentFailure(status: number): boolean {
  return status >= 400 && status < 500 && !RETRYABLE_4XX.has(status);
}

/**
 * The wait in ms a `Retry-After` header asks for on an answer with `status`
 * (never negative), or undefined when it does not apply or cannot be read.
 */
export function retryAfterMs(
  status: number,
  header: string | null,
  now: number = Date.now(),
): number | undefined {
  if (!RETRY_AFTER_STATUSES.has(status) || header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
