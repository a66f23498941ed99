/**
 * NATS subject names of a cluster. A subject token allows no `.`, `*`, `>`
 * or spaces, so a node id (which may hold `.` and `:`) is encoded one-to-one:
 * letters, digits and `-` stay, every other character becomes `_` and its
 * two hex digits (`_` itself included), so `a.b` and `a_b` never share a subject.
 */

/** `text` as one subject token: distinct texts give distinct tokens. */
export function subjectToken(text: string): string {
  return text.replace(
    /[^A-Za-z0-9-]/g,
    (c) => `_${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

/** Subject of node `id`'s requests in cluster `clusterId`. */
export function nodeSubject(clusterId: string, id: string): string {
  return `paper.${clusterId}.node.${subjectToken(id)}`;
}
