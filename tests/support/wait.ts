/**
 * Waiting for conditions in tests: poll, never sleep a fixed time.
 */
import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";

/** Polls `check` until it returns a value (not undefined) or the time runs out. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  options: { timeoutMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${options.what ?? "condition"}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Polls a boolean `condition` until it holds; rejects naming `what` after `timeoutMs`. */
export async function until(
  condition: () => boolean,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  await eventually(() => condition() || undefined, { what, timeoutMs });
}

/**
 * Asserts that `read()` comes to deep-equal `expected` within `timeoutMs`: for
 * what a session shows from its view (throttled, so it may trail its durable
 * state briefly). On time-out the assertion shows the difference.
 */
export async function assertSettles(
  read: () => Promise<unknown>,
  expected: unknown,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  await eventually(async () => isDeepStrictEqual(await read(), expected) || undefined, {
    timeoutMs,
    what,
  }).catch(() => {});
  assert.deepEqual(await read(), expected, what);
}
