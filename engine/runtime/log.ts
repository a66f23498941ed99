/**
 * A leveled logger writing one line per message to stderr. Never log secrets:
 * tokens and database URLs stay out of messages. Control characters in a
 * message (from a URL, a name, a stack trace) are escaped, so a message can
 * never end its line early or forge another one.
 */
import { LOG_LEVELS } from "./config.ts";

/** Severity of a log line. */
export type LogLevel = typeof LOG_LEVELS[number];

/** Writes lines at or above its level. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
// Control characters (C0, DEL, C1), the Unicode line and paragraph separators, lone surrogates.
const UNSAFE = /[\p{Cc}\u2028\u2029]|\p{Cs}/gu;

/** `text` with every control character written as an escape (`\n`, `\u001b`), on one line. */
export function escapeControl(text: string): string {
  return text.replace(
    UNSAFE,
    (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** A logger that prints lines at `level` or more severe, each prefixed with time and level. */
export function createLogger(level: LogLevel): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const line = (at: LogLevel) => (message: string) => {
    if (LOG_LEVELS.indexOf(at) < threshold) return;
    console.error(`${new Date().toISOString()} ${at.toUpperCase()} ${escapeControl(message)}`);
  };
  return { debug: line("debug"), info: line("info"), warn: line("warn"), error: line("error") };
}
