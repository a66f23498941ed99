/**
 * Alert bodies: the generic JSON document (default), or the message shape of
 * Slack (incoming webhook), Discord (webhook) or Telegram (`sendMessage`),
 * each carrying one human line describing the alert.
 */
import type { WebhookTarget } from "../../../contract/mod.ts";
import type { ClosedTrade, Fill } from "../../core/execution/mod.ts";

/** What a body is made from: an outbox row's alert fields. */
export interface AlertContent {
  readonly key: string;
  readonly kind: string;
  readonly session_id: string | null;
  readonly time: number;
  readonly data: unknown;
}

/** Discord refuses longer `content`. */
const DISCORD_MAX = 2000;
/** Telegram refuses longer `text`. */
const TELEGRAM_MAX = 4096;

/** The request body for `target` (JSON text; the signature covers exactly these bytes). */
export function renderAlert(alert: AlertContent, target: WebhookTarget): string {
  const text = describeAlert(alert);
  switch (target.format) {
    case "slack":
      return JSON.stringify({ text: slackEscape(text) });
    case "discord":
      return JSON.stringify({
        content: clip(text, DISCORD_MAX),
        allowed_mentions: { parse: [] },
      });
    case "telegram":
      return JSON.stringify({
        chat_id: target.url.searchParams.get("chat_id"),
        text: clip(text, TELEGRAM_MAX),
        disable_web_page_preview: true,
      });
    case "json":
      return JSON.stringify({
        id: alert.key,
        kind: alert.kind,
        time: new Date(alert.time).toISOString(),
        session_id: alert.session_id,
        text,
        data: alert.data,
      });
  }
}

/** One human line: what happened, with its numbers. */
export function describeAlert(alert: AlertContent): string {
  const data = (alert.data ?? {}) as Record<string, unknown>;
  const where = alert.session_id ? ` (session ${alert.session_id.slice(0, 8)})` : "";
  switch (alert.kind) {
    case "fill": {
      const fill = data.fill as Fill;
      return `Fill: ${fill.side} ${fill.quantity} ${fill.symbol} @ ${fill.price}, fee ${
        round(fill.fee)
      }${fill.tag ? ` [${fill.tag}]` : ""}${where}`;
    }
    case "round_trip": {
      const trade = data.trade as ClosedTrade;
      const pnl = round(trade.pnl);
      return `Round trip closed: ${trade.side} ${trade.quantity} ${trade.symbol} ${trade.entry_price} → ${trade.exit_price}, P&L ${
        pnl >= 0 ? "+" : ""
      }${pnl} net of fees${where}`;
    }
    case "session_restarted":
      return `Session worker restarted (#${data.restarts}): ${
        data.reason ?? "unknown cause"
      }${where}`;
    case "session_failed":
      return `Session failed: ${data.error ?? "unknown cause"}${where}`;
    case "feed_down":
      return `Market feed ${data.feed} down${data.reason ? `: ${data.reason}` : ""}`;
    case "feed_up":
      return `Market feed ${data.feed} back after ${Math.round(Number(data.down_ms) / 1000)} s`;
    case "risk_state":
      return `Risk state ${data.from ?? "?"} → ${data.to ?? "?"}${
        data.rule ? ` (${data.rule})` : ""
      }${data.reason ? `: ${data.reason}` : ""}${where || " (account)"}`;
    default:
      return `${alert.kind}${where}`;
  }
}

/** Slack reads `&`, `<` and `>` as markup: escaped as its documentation says. */
function slackEscape(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function round(value: number): number {
  return Math.round(value * 1e8) / 1e8;
}
