/**
 * Account-wide risk: the limits over every session (from the `RISK_*`
 * environment, replaced through `PUT /api/risk`) and the kill switch that
 * halts every session (and those started later) until it is lifted. Every
 * change is stored and audited before it reaches the sessions. In a cluster
 * a change made through any node reaches the sessions of every node (see
 * {@link RiskReach}), and each node compares the stored settings with its own
 * on every lease tick, so a node that missed a change takes it late.
 */
import type { Db } from "../../db/mod.ts";
import { RiskTable, type StoredRiskSettings } from "../../db/stores/mod.ts";
import type { AccountRisk, AccountRiskEvent, RiskReached } from "../../contract/mod.ts";
import type { RiskLimits } from "../core/risk/mod.ts";
import type { Logger } from "./log.ts";
import type { Supervisor } from "./supervisor.ts";
import type { SessionAction } from "./worker_protocol.ts";

/** Audit entries shown with the account risk. */
const AUDIT_SHOWN = 50;
/** Sessions told about a change at once. */
const BROADCAST_CONCURRENCY = 16;

/** An account-wide change as it travels to the sessions: halt, resume, or new limits. */
export type RiskChange =
  | { readonly kind: "halt"; readonly flatten: boolean }
  | { readonly kind: "resume" }
  | { readonly kind: "limits"; readonly limits: RiskLimits };

/** How a change reaches the other nodes of a cluster (none: this node is alone). */
export interface RiskReach {
  /** Sessions the whole cluster runs now (what the audit records a change reached). */
  sessions(): Promise<number>;
  /** Sends settings just stored by `change` to every node, this one included; what they answered. */
  send(stored: StoredRiskSettings, change: RiskChange): Promise<RiskReached>;
}

/** Owns the account-wide limits and the kill switch. */
export class AccountRiskService {
  readonly #table: RiskTable;
  readonly #supervisor: Supervisor;
  readonly #env: RiskLimits;
  readonly #log: Logger | undefined;
  /** Exchange-independent time of audit entries (wall clock; injectable for tests). */
  readonly #now: () => number;
  readonly #announce: (event: AccountRiskEvent) => void;
  #reach: RiskReach | undefined;
  #settings: StoredRiskSettings = { limits: null, halted: false, version: 0 };
  /** Changes reaching this node's sessions, one at a time. */
  #applying: Promise<unknown> = Promise.resolve();

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

  /** Changes from now on reach every node of the cluster through `reach`. */
  spread(reach: RiskReach): void {
    this.#reach = reach;
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
  put(limits: RiskLimits): Promise<AccountRisk> {
    return this.#change({ kind: "limits", limits });
  }

  /** Kill switch: halts every session, `flatten` closing every position as well. */
  halt(flatten: boolean): Promise<AccountRisk> {
    return this.#change({ kind: "halt", flatten });
  }

  /** Lifts the kill switch: sessions it halted trade again; other halts stay. */
  resume(): Promise<AccountRisk> {
    return this.#change({ kind: "resume" });
  }

  /**
   * Takes settings stored by any node with `change` (the change that made
   * them) to the sessions of this node; returns how many run here. Settings
   * already taken (the same or a newer version is in force) change nothing.
   */
  apply(stored: StoredRiskSettings, change: RiskChange): Promise<number> {
    return this.#serial(async () => {
      if (stored.version > this.#settings.version) await this.#take(stored, change);
      return this.#running().length;
    });
  }

  /** Takes the stored settings when they changed without this node hearing of it (a missed message). */
  refresh(): Promise<void> {
    return this.#serial(async () => {
      const stored = await this.#table.settings();
      if (stored.version > this.#settings.version) await this.#take(stored);
    });
  }

  /** Moves to `stored`: the sessions get `change`, and whatever else differs from the settings before. */
  async #take(stored: StoredRiskSettings, change?: RiskChange): Promise<void> {
    const was = this.#settings;
    this.#settings = stored;
    const changes: RiskChange[] = change ? [change] : [];
    const switched = change?.kind === "halt" || change?.kind === "resume";
    if (stored.halted !== was.halted && !switched) {
      const flatten = stored.halted && await this.#table.lastHaltFlattened();
      changes.push(stored.halted ? { kind: "halt", flatten } : { kind: "resume" });
    }
    const limits = stored.limits;
    if (
      limits && change?.kind !== "limits" && JSON.stringify(limits) !== JSON.stringify(was.limits)
    ) {
      changes.push({ kind: "limits", limits });
    }
    if (!change && changes.length > 0) {
      this.#log?.info(
        `account risk: ${changes.map((c) => c.kind).join(", ")} taken from the stored settings`,
      );
    }
    for (const c of changes) await this.#broadcast(this.#supervisor.ids(), actionOf(c));
  }

  /** Stores and audits `change`, then takes it to the sessions (of every node, in a cluster). */
  async #change(change: RiskChange): Promise<AccountRisk> {
    const sessions = this.#reach ? await this.#reach.sessions() : this.#supervisor.ids().length;
    const entry = { time: this.#now(), ...change, sessions } as AccountRiskEvent;
    const stored = await this.#table.save(
      change.kind === "limits" ? { limits: change.limits } : { halted: change.kind === "halt" },
      entry,
    );
    this.#announce(entry);
    if (!this.#reach) {
      await this.apply(stored, change);
      return this.get();
    }
    const reached = await this.#reach.send(stored, change);
    // A node that did not answer (this one included) takes the change from the stored settings.
    if (reached.missing.length > 0) await this.refresh();
    return { ...await this.get(), reached };
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#applying.then(fn);
    this.#applying = run.catch(() => {});
    return run;
  }

  /** Sessions with a worker that takes actions. */
  #running(): string[] {
    return this.#supervisor.ids().filter((id) => {
      const status = this.#supervisor.get(id)?.status;
      return status === "running" || status === "warming_up" || status === "paused";
    });
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

/** What a session is told of `change`. */
function actionOf(change: RiskChange): SessionAction {
  switch (change.kind) {
    case "limits":
      return { kind: "risk_limits", account: change.limits };
    case "halt":
      return { kind: "risk", state: "halted", rule: "kill_switch", flatten: change.flatten };
    case "resume":
      return { kind: "risk", state: "active", rule: "kill_switch", only: "kill_switch" };
  }
}
