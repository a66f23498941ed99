/**
 * How much of a core a thread gets on a loaded machine: a time limit that
 * counts only that share (and nothing while the thread checking it was
 * starved itself) tells a slow thread from a stuck one.
 */

/** A timer this much later than due means the thread that set it was starved (ms). */
export const STARVED_LAG_MS = 500;

/**
 * The time (ms of a core) a thread got while a timer due after `dueMs` took
 * `elapsedMs`, at `share` of a core: none when the timer came more than
 * `starvedLagMs` late (the thread counting was starved itself, and what it
 * watches may have been waiting on it).
 */
export function coreTime(
  elapsedMs: number,
  dueMs: number,
  share: number,
  starvedLagMs = STARVED_LAG_MS,
): number {
  return elapsedMs - dueMs > starvedLagMs ? 0 : elapsedMs * share;
}

/**
 * The share of a core each runnable thread gets now: cores ÷ 1-minute load
 * average when that is above the core count, otherwise 1 (also when the load
 * cannot be read).
 */
export function loadShare(): number {
  try {
    const load = Deno.loadavg()[0];
    const cores = navigator.hardwareConcurrency || 1;
    return load > cores ? cores / load : 1;
  } catch {
    return 1;
  }
}
