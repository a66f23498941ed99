import assert from "node:assert/strict";
import { MAX_SOCKET_TOPICS } from "../contract/limits.ts";
import { LISTED, withNewSession } from "../islands/SessionList.tsx";
import type { SessionCardData } from "../islands/_session_card.tsx";
import type { SessionSummary } from "../islands/_session_state.ts";

/** A card of session `id` (the list reads only the id of a summary). */
const card = (id: string): SessionCardData => ({ summary: { id } as SessionSummary, fills: [] });
const ids = (cards: readonly SessionCardData[]) => cards.map((c) => c.summary.id);

Deno.test("a new session's card goes on top of the overview's list", () => {
  const cards = withNewSession([card("b"), card("a")], card("c").summary, LISTED);
  assert.deepEqual(ids(cards), ["c", "b", "a"]);
  assert.deepEqual(cards[0].fills, []);
});

Deno.test("a session already listed is not listed twice (the form and the socket both announce it)", () => {
  const cards = [card("b"), card("a")];
  assert.equal(withNewSession(cards, card("a").summary, LISTED), cards);
});

Deno.test("the overview keeps its newest LISTED cards: a new session pushes the oldest out", () => {
  // Each card is a topic of the page's socket, with the tickers' and the session announcements'.
  assert.ok(LISTED < MAX_SOCKET_TOPICS / 2, `${LISTED} cards leave room on a socket`);
  let cards = Array.from({ length: LISTED }, (_, i) => card(`s${LISTED - i}`));
  assert.deepEqual(ids(cards).slice(-2), ["s2", "s1"]);
  cards = withNewSession(cards, card("new").summary, LISTED);
  assert.equal(cards.length, LISTED);
  assert.equal(cards[0].summary.id, "new");
  assert.deepEqual(ids(cards).slice(-1), ["s2"]);
  // However many sessions start while the page is open, the list (and its topics) stays LISTED long.
  for (let i = 0; i < 300; i++) cards = withNewSession(cards, card(`more${i}`).summary, LISTED);
  assert.equal(cards.length, LISTED);
  assert.equal(cards[0].summary.id, "more299");
  assert.equal(cards[LISTED - 1].summary.id, `more${300 - LISTED}`);
});
