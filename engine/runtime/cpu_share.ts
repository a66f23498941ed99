/**
 * How much of a core a thread gets on a loaded machine: a time limit that
 * counts only that share (and nothing while the thread checking it was
 * starved itself) tells a slow thread from a stuck one.
 */

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
