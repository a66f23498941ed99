/**
 * A leveled logger writing one line per message to stderr. Never log secrets:
 * tokens and database URLs stay out of messages.
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

/** A logger that prints lines at `level` or more severe, each prefixed with time and level. */
export function createLogger(level: LogLevel): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const line = (at: LogLevel) => (message: string) => {
    if (LOG_LEVELS.indexOf(at) < threshold) return;
    console.error(`${new Date().toISOString()} ${at.toUpperCase()} ${message}`);
  };
  return { debug: line("debug"), info: line("info"), warn: line("warn"), error: line("error") };
}
