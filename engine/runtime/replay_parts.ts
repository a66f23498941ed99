/**
 * A restored session's missed market events cut into parts for its worker,
 * so that no one message carries all of them (a structured clone of a
 * session that missed hours would be huge). Parts follow one another in
 * time across the session's symbols: a part holds, of every symbol, all the
 * events up to its last time, so a portfolio's merge by time sees the same
 * order as with one message.
 */
import type { MarketEvent } from "../core/types.ts";

/** Events in one part at most (more only when events of one exchange ms fall at its end). */
export const REPLAY_PART_EVENTS = 10_000;

/** Exchange ms of an event (a candle's close), the time the worker merges symbols by. */
function timeOf(event: MarketEvent): number {
  return event.type === "candle" ? event.closeTime : event.time;
}

/**
 * Cuts `replay` (per symbol, events in the order they were published) into
 * parts of about `max` events, in order; none when there is nothing to replay.
 */
export function replayParts(
  replay: Readonly<Record<string, readonly MarketEvent[]>>,
  max = REPLAY_PART_EVENTS,
): Record<string, MarketEvent[]>[] {
  const symbols = Object.keys(replay).filter((s) => replay[s].length > 0);
  const next = symbols.map(() => 0);
  const parts: Record<string, MarketEvent[]>[] = [];
  for (;;) {
    const start = next.slice();
    // The time of the max-th event still to send, in time order over the symbols.
    let end = -Infinity;
    for (let taken = 0; taken < max; taken++) {
      let best = -1;
      for (let i = 0; i < symbols.length; i++) {
        const event = replay[symbols[i]][next[i]];
        if (event && (best < 0 || timeOf(event) < timeOf(replay[symbols[best]][next[best]]))) {
          best = i;
        }
      }
      if (best < 0) break;
      end = Math.max(end, timeOf(replay[symbols[best]][next[best]++]));
    }
    const part: Record<string, MarketEvent[]> = {};
    symbols.forEach((symbol, i) => {
      const events = replay[symbol];
      let to = next[i];
      while (to < events.length && timeOf(events[to]) <= end) to++;
      if (to > start[i]) part[symbol] = events.slice(start[i], to);
      next[i] = to;
    });
    if (Object.keys(part).length === 0) return parts;
    parts.push(part);
  }
}
