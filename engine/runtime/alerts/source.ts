/**
 * The alerts a batch of session writes describes: fills, closed round trips,
 * worker restarts and failures. The persister stores them in the outbox in the
 * same statement as the writes, so an alert exists exactly when its event is
 * durable. Keys are stable (session, sequence number or restart count), so a
 * commit retried after an outage stores nothing twice.
 */
import type { AlertTargets, LogAlerts, LogWrite, NewAlert } from "../../../db/stores/mod.ts";
import type { SessionEffect } from "../../core/session/mod.ts";
import type { AlertKind } from "./kinds.ts";

/** What an effect of type T becomes as an alert: its kind and data (undefined: none). */
type EffectAlert<T extends SessionEffect["type"]> = (
  effect: Extract<SessionEffect, { type: T }>,
) => { kind: AlertKind; data: unknown } | undefined;

/**
 * Session effects that raise an alert: fills, round trips and the risk
 * engine's trading-state changes (a refused order raises none).
 */
const EFFECT_ALERTS: { readonly [T in SessionEffect["type"]]?: EffectAlert<T> } = {
  fill: (e) => ({ kind: "fill", data: { fill: e.fill, position: e.position } }),
  trade_closed: (e) => ({ kind: "round_trip", data: { trade: e.trade } }),
  risk: (e) =>
    e.kind === "state"
      ? {
        kind: "risk_state",
        data: {
          from: e.previous,
          to: e.state,
          rule: e.rule,
          reason: e.message,
          values: e.values,
          until: e.until,
          ...(e.flatten ? { flatten: true } : {}),
        },
      }
      : undefined,
};

/** Alerts of session writes, for the persister's commits. */
export class SessionAlertSource implements LogAlerts {
  readonly targets: AlertTargets;
  readonly #kinds: ReadonlySet<AlertKind>;
  readonly #committed: () => void;

  /** `kinds`: the kinds to raise; `committed` hears when alerts were stored. */
  constructor(
    targets: AlertTargets,
    options: { kinds: readonly AlertKind[]; committed: () => void },
  ) {
    this.targets = targets;
    this.#kinds = new Set(options.kinds);
    this.#committed = options.committed;
  }

  /** The alerts `writes` describe (none when there is no target at all). */
  of(writes: readonly LogWrite[]): NewAlert[] {
    if (this.targets.global.length === 0 && !this.targets.perSession) return [];
    const out: NewAlert[] = [];
    for (const write of writes) {
      write.effects.forEach((effect, i) => {
        const alert = (EFFECT_ALERTS[effect.type] as EffectAlert<typeof effect.type> | undefined)?.(
          effect as never,
        );
        if (!alert || !this.#kinds.has(alert.kind)) return;
        const seq = write.firstSeq + i;
        out.push({
          key: `${alert.kind}:${write.sessionId}:${seq}`,
          kind: alert.kind,
          sessionId: write.sessionId,
          time: effect.time,
          data: alert.data,
        });
      });
      const status = statusAlert(write);
      if (status && this.#kinds.has(status.kind as AlertKind)) out.push(status);
    }
    return out;
  }

  committed(): void {
    this.#committed();
  }
}

/** A worker restart or a session failure recorded by `write`, keyed by the restart count. */
function statusAlert(write: LogWrite): NewAlert | undefined {
  const status = write.status;
  if (!status) return undefined;
  const restarts = status.restarts ?? 0;
  const common = { sessionId: write.sessionId, time: Date.now() };
  if (status.change.to === "failed") {
    return {
      ...common,
      key: `session_failed:${write.sessionId}:${restarts}`,
      kind: "session_failed",
      data: { status: status.change.to, error: status.lastError ?? null, restarts },
    };
  }
  if (status.change.event === "restart") {
    return {
      ...common,
      key: `session_restarted:${write.sessionId}:${restarts}`,
      kind: "session_restarted",
      data: { status: status.change.to, reason: status.restartReason ?? null, restarts },
    };
  }
  return undefined;
}
