/**
 * Webhook targets: `[FORMAT:]URL`, where FORMAT names the body shape (`json`,
 * the default, `slack`, `discord` or `telegram`) and URL is http or https.
 * The same syntax serves `WEBHOOK_URLS` and a session's `webhooks`.
 */
import { MAX_WEBHOOK_TARGET } from "./limits.ts";

/** Body shapes a target may ask for. */
export const WEBHOOK_FORMATS = ["json", "slack", "discord", "telegram"] as const;

/** A body shape: generic JSON, or a chat service's incoming-message shape. */
export type WebhookFormat = typeof WEBHOOK_FORMATS[number];

/** A parsed target. */
export interface WebhookTarget {
  readonly format: WebhookFormat;
  readonly url: URL;
}

const PREFIX = new RegExp(`^(${WEBHOOK_FORMATS.join("|")}):(?=https?:)`, "i");

/** Parses `text` as a target; returns why it is not one as a string. */
export function parseWebhookTarget(text: string): WebhookTarget | string {
  if (text.length > MAX_WEBHOOK_TARGET) {
    return `a webhook target is at most ${MAX_WEBHOOK_TARGET} characters`;
  }
  // deno-lint-ignore no-control-regex
  if (/[\s\x00-\x1f\x7f]/.test(text)) {
    return "a webhook target contains no spaces or control characters";
  }
  const prefix = PREFIX.exec(text);
  const format = (prefix?.[1].toLowerCase() ?? "json") as WebhookFormat;
  const rest = prefix ? text.slice(prefix[0].length) : text;
  let url: URL;
  try {
    url = new URL(rest);
  } catch {
    return `'${shown(text)}' is not [FORMAT:]URL (FORMAT: ${WEBHOOK_FORMATS.join(", ")})`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return `a webhook URL is http or https, not ${url.protocol.slice(0, -1)}`;
  }
  if (format === "telegram" && !url.searchParams.get("chat_id")) {
    return "a telegram target names its chat: telegram:https://api.telegram.org/botTOKEN/sendMessage?chat_id=ID";
  }
  return { format, url };
}

/**
 * A target with what may be secret left out (path, query, credentials: chat
 * services put their tokens there), for the API, health and logs.
 */
export function redactWebhookTarget(text: string): string {
  const target = parseWebhookTarget(text);
  if (typeof target === "string") return "(invalid target)";
  const hidden = target.url.pathname.length > 1 || target.url.search ? "/…" : "";
  return `${target.format}:${target.url.protocol}//${target.url.host}${hidden}`;
}

function shown(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
