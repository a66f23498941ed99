import { useEffect, useState } from "preact/hooks";
import { type SessionCreatedMessage, SESSIONS_TOPIC } from "../contract/mod.ts";
import { subscribe } from "./_live.ts";
import { SessionCard, type SessionCardData } from "./_session_card.tsx";
import type { SessionSummary } from "./_session_state.ts";

/** Serialisable props of {@link SessionList}. */
export interface SessionListProps extends Record<string, unknown> {
  sessions: SessionCardData[];
}

/** Window event by which the new-session form announces a session it created. */
export const SESSION_CREATED = "session-created";

/**
 * Sessions the overview lists, newest first. Each card listens to its own
 * topic on the page's one WebSocket, so the list stays this long: the socket
 * holds at most `MAX_SOCKET_TOPICS` topics.
 */
export const LISTED = 50;

/**
 * `cards` with a card for a new session in front (once), at most `limit`
 * long: the oldest cards drop out (and their cards stop listening).
 */
export function withNewSession(
  cards: SessionCardData[],
  summary: SessionSummary,
  limit: number,
): SessionCardData[] {
  if (cards.some((c) => c.summary.id === summary.id)) return cards;
  return [{ summary, fills: [] }, ...cards].slice(0, limit);
}

/**
 * The newest {@link LISTED} sessions as live cards; new sessions (from this
 * page, the API or the CLI) appear at the top and push the oldest card out.
 */
export default function SessionList(props: SessionListProps) {
  const [sessions, setSessions] = useState(props.sessions);
  useEffect(() => {
    const add = (event: Event) => {
      const summary = (event as CustomEvent<SessionSummary>).detail;
      setSessions((current) => withNewSession(current, summary, LISTED));
    };
    addEventListener(SESSION_CREATED, add);
    const stop = subscribe(
      SESSIONS_TOPIC,
      (data) =>
        add(
          new CustomEvent(SESSION_CREATED, {
            detail: (data as SessionCreatedMessage).session,
          }),
        ),
    );
    return () => {
      removeEventListener(SESSION_CREATED, add);
      stop();
    };
  }, []);
  return (
    <div data-testid="session-list">
      {sessions.length === 0
        ? <p class="muted">No sessions yet. Start one with the form.</p>
        : null}
      <div class="grid">
        {sessions.map((s) => <SessionCard key={s.summary.id} {...s} />)}
      </div>
    </div>
  );
}
