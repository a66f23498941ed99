/**
 * The text of a thrown value for messages users see: an error's message
 * without its class name (`unknown reference 'x'`, not `TypeError: …`).
 *
 * @module
 */

/** The message of `error` (its text when it is no `Error`). */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
