/**
 * Account-wide risk: the limits over every session (from the `RISK_*`
 * environment, replaced through `PUT /api/risk`) and the kill switch that
 * halts every session (and those started later) until it is lifted. Every
 * change is stored and audited before it reaches the sessions. In a cluster
 * a change made through any node reaches the sessions of every node (see
 * {@link RiskReach}), and each node compares the stored settings with its own
 * on every lease tick, so a node that missed a change takes it late. A
 * session that could not take a change (its worker was gone or restarting)
 * is named in the answer and brought to the settings in force at the next
 * refresh (a lease tick in a cluster, a timer on a node alone).
 */
import type { Db } from "../../db/mod.ts";
import { RiskTable, type StoredRiskSettings } from "../../db/stores/mod.ts";
import type {
  AccountRisk,
  AccountRiskEvent,
  RiskFailure,
  RiskReached,
} from "../../contract/mod.ts";
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

/** What a node did with a change: the sessions it runs, and those that could not take it. */
export interface RiskApplied {
  readonly sessions: number;
  readonly failed: readonly RiskFailure[];
}

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
  readonly #node: string;
  /** Exchange-independent time of audit entries (wall clock; injectable for tests). */
  readonly #now: () => number;
  readonly #announce: (event: AccountRiskEvent) => void;
  #reach: RiskReach | undefined;
  /** The settings in force (what a session starting now gets). */
  #settings: StoredRiskSettings = { limits: null, halted: false, version: 0 };
  /** Sessions that could not take a change (or were starting): they get the whole settings in force next time. */
  readonly #behind = new Set<string>();
  /** Changes reaching this node's sessions, one at a time. */
  #applying: Promise<unknown> = Promise.resolve();

  constructor(
    deps: {
      db: Db;
      supervisor: Supervisor;
      /** The limits of the environment (`RISK_*`). */
      env: RiskLimits;
      log?: Logger;
      /** This node's id, named in failures. */
      node?: string;
      now?: () => number;
      /** Tells live listeners (alerts) about an account risk event once it is stored. */
      announce?: (event: AccountRiskEvent) => void;
    },
  ) {
    this.#table = new RiskTable(deps.db);
    this.#supervisor = deps.supervisor;
    this.#env = deps.env;
    this.#log = deps.log;
    this.#node = deps.node ?? "local";
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
   * them) to the sessions of this node; answers how many run here and those
   * that could not take it. Settings already taken (the same or a newer
   * version is in force) change nothing.
   */
  apply(stored: StoredRiskSettings, change: RiskChange): Promise<RiskApplied> {
    return this.#serial(async () => {
      const failed = stored.version > this.#settings.version
        ? await this.#take(stored, change)
        : [];
      return { sessions: this.#running().length, failed };
    });
  }

  /**
   * Takes the stored settings when they changed without this node hearing of
   * it (a missed message), and brings the sessions that could not take an
   * earlier change to the settings in force.
   */
  refresh(): Promise<void> {
    return this.#serial(async () => {
      const stored = await this.#table.settings();
      if (stored.version > this.#settings.version) await this.#take(stored);
      else if (this.#behind.size > 0) await this.#deliver([]);
    });
  }

  /**
   * Moves to `stored`: the sessions get `change`, and whatever else differs
   * from the settings before; answers the sessions that could not take it.
   */
  async #take(stored: StoredRiskSettings, change?: RiskChange): Promise<RiskFailure[]> {
    const was = this.#settings;
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
    // In force once worked out (a session starting now gets it), before it reaches the sessions.
    this.#settings = stored;
    return await this.#deliver(changes);
  }

  /**
   * Gives `changes` to the sessions here, and the whole settings in force to
   * those behind (a session no longer here gets them when it starts again);
   * remembers which could not take them.
   */
  async #deliver(changes: readonly RiskChange[]): Promise<RiskFailure[]> {
    const ids = this.#supervisor.ids();
    const behind = ids.filter((id) => this.#behind.has(id));
    const rest = ids.filter((id) => !this.#behind.has(id));
    const whole = behind.length > 0 ? await this.#inForce() : [];
    this.#behind.clear();
    const failed = new Map<string, string>();
    for (const [ids, list] of [[rest, changes], [behind, whole]] as const) {
      for (const c of list) {
        for (const [id, why] of await this.#broadcast(ids, c)) failed.set(id, why);
      }
    }
    for (const id of failed.keys()) this.#behind.add(id);
    return [...failed].map(([session, error]) => ({ node: this.#node, session, error }));
  }

  /** The settings in force as changes: the kill switch's state, and the limits set through the API. */
  async #inForce(): Promise<RiskChange[]> {
    const { halted, limits } = this.#settings;
    const flatten = halted && await this.#table.lastHaltFlattened();
    const state: RiskChange = halted ? { kind: "halt", flatten } : { kind: "resume" };
    return limits ? [state, { kind: "limits", limits }] : [state];
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
      const { sessions, failed } = await this.apply(stored, change);
      return { ...await this.get(), reached: { nodes: 1, sessions, missing: [], failed } };
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

  /**
   * Applies `change` to every session that has a worker, a few at a time;
   * answers (and logs) those that could not take it, with why.
   */
  async #broadcast(ids: readonly string[], change: RiskChange): Promise<Map<string, string>> {
    const action = actionOf(change);
    const failed = new Map<string, string>();
    let next = 0;
    const work = async () => {
      for (let id = ids[next++]; id !== undefined; id = ids[next++]) {
        const status = this.#supervisor.get(id)?.status;
        // A worker starting may have been given the settings before this change: checked again later.
        if (status === "starting") this.#behind.add(id);
        if (status !== "running" && status !== "warming_up" && status !== "paused") continue;
        try {
          await this.#supervisor.act(id, action);
        } catch (error) {
          failed.set(id, (error as Error).message);
        }
      }
    };
    await Promise.all(Array.from({ length: BROADCAST_CONCURRENCY }, work));
    for (const [id, why] of failed) {
      this.#log?.warn(
        `account risk: session ${id} did not take the ${change.kind} (${why}); it gets the settings in force at the next refresh`,
      );
    }
    return failed;
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
