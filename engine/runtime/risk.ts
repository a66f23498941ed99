/**
 * Account-wide risk: the limits over every session (from the `RISK_*`
 * environment, replaced through `PUT /api/risk`) and the kill switch that
 * halts every session (and those started later) until it is lifted. Every
 * change is stored and audited before it reaches the sessions.
 */
import type { Db } from "../../db/mod.ts";
import { type RiskSettings, RiskTable } from "../../db/stores/mod.ts";
import type { AccountRisk, AccountRiskEvent } from "../../contract/mod.ts";
import type { RiskLimits } from "../core/risk/mod.ts";
import type { Logger } from "./log.ts";
import type { Supervisor } from "./supervisor.ts";
import type { SessionAction } from "./worker_protocol.ts";

/** Audit entries shown with the account risk. */
const AUDIT_SHOWN = 50;
/** Sessions told about a change at once. */
const BROADCAST_CONCURRENCY = 16;

/** Owns the account-wide limits and the kill switch. */
export class AccountRiskService {
  readonly #table: RiskTable;
  readonly #supervisor: Supervisor;
  readonly #env: RiskLimits;
  readonly #log: Logger | undefined;
  /** Exchange-independent time of audit entries (wall clock; injectable for tests). */
  readonly #now: () => number;
  readonly #announce: (event: AccountRiskEvent) => void;
  #settings: RiskSettings = { limits: null, halted: false };

  constructor(
    deps: {
      db: Db;
      supervisor: Supervisor;
      /** The limits of the environment (`RISK_*`). */
      env: RiskLimits;
      log?: Logger;
      now?: () => number;
      /** Tells live listeners (alerts) about an account risk event once it is stored. */
      announce?: (event: AccountRiskEvent) => void;
    },
  ) {
    this.#table = new RiskTable(deps.db);
    this.#supervisor = deps.supervisor;
    this.#env = deps.env;
    this.#log = deps.log;
    this.#now = deps.now ?? Date.now;
    this.#announce = deps.announce ?? (() => {});
  }

  /** Reads the stored settings (call once before sessions are restored). */
  async load(): Promise<void> {
    this.#settings = await this.#table.settings();
  }

  /** The account-wide limits in force. */
  limits(): RiskLimits {
    return this.#settings.limits ?? this.#env;
  }

  /** Whether the kill switch is on. */
  halted(): boolean {
    return this.#settings.halted;
  }

  /** The account risk with its latest audit entries. */
  async get(): Promise<AccountRisk> {
    return {
      halted: this.#settings.halted,
      limits: this.limits(),
      source: this.#settings.limits === null ? "env" : "api",
      audit: await this.#table.audit(AUDIT_SHOWN),
    };
  }

  /** Replaces the account-wide limits; running sessions take them at once. */
  async put(limits: RiskLimits): Promise<AccountRisk> {
    const sessions = this.#supervisor.ids();
    await this.#save({ ...this.#settings, limits }, {
      kind: "limits",
      limits,
      sessions: sessions.length,
    });
    await this.#broadcast(sessions, { kind: "risk_limits", account: limits });
    return this.get();
  }

  /** Kill switch: halts every session, `flatten` closing every position as well. */
  async halt(flatten: boolean): Promise<AccountRisk> {
    const sessions = this.#supervisor.ids();
    await this.#save({ ...this.#settings, halted: true }, {
      kind: "halt",
      flatten,
      sessions: sessions.length,
    });
    await this.#broadcast(sessions, {
      kind: "risk",
      state: "halted",
      rule: "kill_switch",
      flatten,
    });
    return this.get();
  }

  /** Lifts the kill switch: sessions it halted trade again; other halts stay. */
  async resume(): Promise<AccountRisk> {
    const sessions = this.#supervisor.ids();
    await this.#save({ ...this.#settings, halted: false }, {
      kind: "resume",
      sessions: sessions.length,
    });
    await this.#broadcast(sessions, {
      kind: "risk",
      state: "active",
      rule: "kill_switch",
      only: "kill_switch",
    });
    return this.get();
  }

  async #save(
    settings: RiskSettings,
    event: Omit<AccountRiskEvent, "time">,
  ): Promise<void> {
    const entry = { time: this.#now(), ...event };
    await this.#table.save(settings, entry);
    this.#settings = settings;
    this.#announce(entry);
  }

  /** Applies `action` to every session that has a worker, a few at a time (failures are logged). */
  async #broadcast(ids: readonly string[], action: SessionAction): Promise<void> {
    let next = 0;
    const work = async () => {
      for (let id = ids[next++]; id !== undefined; id = ids[next++]) {
        const status = this.#supervisor.get(id)?.status;
        if (status !== "running" && status !== "warming_up" && status !== "paused") continue;
        try {
          await this.#supervisor.act(id, action);
        } catch (error) {
          this.#log?.warn(`session ${id}: ${action.kind} not applied: ${(error as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: BROADCAST_CONCURRENCY }, work));
  }
}
