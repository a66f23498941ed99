/**
 * One delivery attempt: a POST with a deadline that follows no redirect and
 * never reads the answer's body, so a slow, huge or redirecting target costs
 * at most the timeout and one connection.
 */

/** Posts `body` to `url`; resolves to undefined when it answered 2xx, else to why not. */
export async function postAlert(
  url: URL,
  body: string,
  options: { headers: Record<string, string>; timeoutMs: number },
): Promise<string | undefined> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: options.headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    response.body?.cancel().catch(() => {});
    if (response.ok) return undefined;
    if (response.type === "opaqueredirect" || (response.status >= 300 && response.status < 400)) {
      return `HTTP ${response.status}: redirects are not followed`;
    }
    return `HTTP ${response.status}`;
  } catch (error) {
    if (error instanceof DOMException && error.name === "TimeoutError") {
      return `no answer within ${options.timeoutMs / 1000} s`;
    }
    // Drivers name the URL, which may carry a token: only its origin is kept.
    const message = error instanceof Error ? error.message : String(error);
    return `request failed: ${message.replace(/https?:\/\/[^\s)]*/g, url.origin)}`.slice(0, 300);
  }
}
