/**
 * Waiting with a deadline: every wait in the runtime has an outcome.
 */

/**
 * Waits for `promise` to settle, at most `ms`: true when it settled in time
 * (fulfilled or rejected), false when the deadline came first.
 */
export async function settledWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), ms));
  try {
    return await Promise.race([promise.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
