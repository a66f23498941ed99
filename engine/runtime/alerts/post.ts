/**
 * One delivery attempt: a POST with a deadline that follows no redirect and
 * never reads the answer's body, so a slow, huge or redirecting target costs
 * at most the timeout and one connection.
 */
import { retryAfterMs } from "./retry_rules.ts";
import { errorText } from "../../core/error_text.ts";

/** Why an attempt failed. */
export interface PostFailure {
  /** What happened, without the target's path or query. */
  readonly error: string;
  /** The target's HTTP status, when it answered. */
  readonly status?: number;
  /** The wait its `Retry-After` asked for (429 and 503 only), in ms. */
  readonly retryAfterMs?: number;
}

/** Posts `body` to `url`; resolves to undefined when it answered 2xx, else to why not. */
export async function postAlert(
  url: URL,
  body: string,
  options: { headers: Record<string, string>; timeoutMs: number },
): Promise<PostFailure | undefined> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: options.headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    response.body?.cancel().catch(() => {});
    const status = response.status;
    if (response.ok) return undefined;
    if (response.type === "opaqueredirect" || (status >= 300 && status < 400)) {
      return { error: `HTTP ${status}: redirects are not followed`, status };
    }
    const wait = retryAfterMs(status, response.headers.get("retry-after"));
    return {
      error: `HTTP ${status}`,
      status,
      ...(wait === undefined ? {} : { retryAfterMs: wait }),
    };
  } catch (error) {
    if (error instanceof DOMException && error.name === "TimeoutError") {
      return { error: `no answer within ${options.timeoutMs / 1000} s` };
    }
    // Drivers name the URL, which may carry a token: only its origin is kept.
    const message = errorText(error);
    return {
      error: `request failed: ${message.replace(/https?:\/\/[^\s)]*/g, url.origin)}`.slice(0, 300),
    };
  }
}
