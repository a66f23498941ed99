/**
 * In-process fan-out of live updates to SSE and WebSocket clients. Topics:
 * `trading:SESSION_ID` (durable session events, views, statuses).
 * Listeners must be quick; slow clients buffer on their own side, bounded.
 */

/** A listener of one topic. */
export type LiveListener = (message: unknown) => void;

/** Topic-based publish/subscribe inside the main thread. */
export class LiveBus {
  readonly #topics = new Map<string, Set<LiveListener>>();

  /** Subscribes `fn` to `topic`; returns the unsubscribe function. */
  subscribe(topic: string, fn: LiveListener): () => void {
    let set = this.#topics.get(topic);
    if (!set) this.#topics.set(topic, set = new Set());
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0) this.#topics.delete(topic);
    };
  }

  /** Delivers `message` to every listener of `topic`. */
  publish(topic: string, message: unknown): void {
    const set = this.#topics.get(topic);
    if (set) { for (const fn of set) fn(message); }
  }
}
