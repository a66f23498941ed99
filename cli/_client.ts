/**
 * HTTP client of the paper trading REST API for the CLI: sends the bearer
 * token, turns failed requests into {@link ApiError} and an unreachable
 * service into {@link UnreachableError}.
 */

/** Default service address when neither `--url` nor `PAPER_URL` is given. */
export const DEFAULT_URL = "http://127.0.0.1:8000";

import { ApiError } from "../contract/mod.ts";

export { ApiError } from "../contract/mod.ts";

/** No connection could be made to the service. */
export class UnreachableError extends Error {
  override name = "UnreachableError";

  constructor(url: string, options?: ErrorOptions) {
    super(`cannot reach the service at ${url}: is it running? (deno task start)`, options);
  }
}

/** The service did not answer in time. */
export class TimeoutError extends Error {
  override name = "TimeoutError";
}

/** How long a request may take before the CLI gives up (ms). */
export const REQUEST_TIMEOUT_MS = 30_000;

/** Options of one {@link ApiClient} request. */
export interface RequestOptions {
  /** Query parameters; undefined ones are left out. */
  readonly query?: Record<string, string | number | undefined>;
  /** A JSON body. */
  readonly json?: unknown;
  /**
   * Sent as `Idempotency-Key`: the service answers a repeated request with
   * the outcome of the first, so a request whose answer was lost (timeout,
   * dropped connection) is sent again, up to {@link RETRIES} more times.
   */
  readonly idempotencyKey?: string;
}

/** Extra attempts of a request with an idempotency key whose answer was lost. */
export const RETRIES = 2;
const RETRY_DELAY_MS = 500;

/** Client of the REST API under `/api`. */
export class ApiClient {
  readonly #base: string;
  readonly #token: string | undefined;

  /**
   * @param baseUrl the service address, e.g. `http://127.0.0.1:8000`
   * @param options.token bearer token sent with every request
   */
  constructor(baseUrl: string, options: { token?: string } = {}) {
    this.#base = baseUrl.replace(/\/+$/, "");
    this.#token = options.token || undefined;
  }

  /** The service address requests go to. */
  get baseUrl(): string {
    return this.#base;
  }

  /** Sends a request and parses the JSON answer (undefined for 204). */
  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.#send(method, path, options);
    if (response.status === 204) return undefined as T;
    return await response.json() as T;
  }

  /** Sends a request and returns the answer's body as text. */
  async text(method: string, path: string, options: RequestOptions = {}): Promise<string> {
    return await (await this.#send(method, path, options)).text();
  }

  async #send(method: string, path: string, options: RequestOptions): Promise<Response> {
    for (let attempt = 0;; attempt++) {
      try {
        return await this.#sendOnce(method, path, options);
      } catch (error) {
        const lost = error instanceof UnreachableError || error instanceof TimeoutError;
        if (!lost || options.idempotencyKey === undefined || attempt >= RETRIES) throw error;
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
      }
    }
  }

  async #sendOnce(method: string, path: string, options: RequestOptions): Promise<Response> {
    const url = new URL(`${this.#base}/api${path}`);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers = new Headers({ accept: "application/json" });
    if (this.#token) headers.set("authorization", `Bearer ${this.#token}`);
    if (options.idempotencyKey) headers.set("idempotency-key", options.idempotencyKey);
    // Every non-GET request says JSON, even without a body: the service's CSRF
    // guard refuses form-like content types (and a missing one) from non-browsers.
    if (method !== "GET") headers.set("content-type", "application/json");
    const body = options.json === undefined ? undefined : JSON.stringify(options.json);
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === "TimeoutError") {
        throw new TimeoutError(
          `the service at ${this.#base} did not answer ${method} ${url.pathname} within ${
            REQUEST_TIMEOUT_MS / 1000
          } s`,
        );
      }
      throw new UnreachableError(this.#base, { cause: error });
    }
    if (!response.ok) throw await errorOf(response);
    return response;
  }
}

/** The {@link ApiError} of a failed response, from its JSON `{error, details}` body if any. */
async function errorOf(response: Response): Promise<ApiError> {
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const snippet = text.trim().slice(0, 200) || response.statusText;
  return ApiError.of(response.status, body, `HTTP ${response.status}: ${snippet}`);
}
