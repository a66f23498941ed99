/**
 * SQL of the account-wide risk settings (limits set through the API, the
 * kill switch) and of the account risk audit.
 */
import type { AccountRiskEvent, RiskLimits } from "../../contract/mod.ts";
import { type Db, sql } from "../db.ts";

/** The stored account-wide risk settings. */
export interface RiskSettings {
  /** Limits set through the API, or null (those of the environment apply). */
  readonly limits: RiskLimits | null;
  readonly halted: boolean;
}

/** The stored settings and their version (grows with every change: nodes of a cluster compare it). */
export interface StoredRiskSettings extends RiskSettings {
  readonly version: number;
}

/** The version of the stored settings: when they last changed, in microseconds. */
const VERSION = sql`(extract(epoch from updated_at) * 1000000)::float8`;

/** Reads and writes the account risk settings and audit. */
export class RiskTable {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** The stored settings (none stored: no API limits, not halted, version 0). */
  async settings(): Promise<StoredRiskSettings> {
    const rows = await this.#db.query<StoredRiskSettings>(
      sql`select limits, halted, ${VERSION} as version from risk_settings where id = 1`,
    );
    return rows[0] ?? { limits: null, halted: false, version: 0 };
  }

  /**
   * Changes the fields `change` gives (the others stay as stored, whoever
   * changed them) and appends `event` to the audit, in one statement.
   */
  async save(change: Partial<RiskSettings>, event: AccountRiskEvent): Promise<StoredRiskSettings> {
    const limits = change.limits ? JSON.stringify(change.limits) : null;
    const rows = await this.#db.query<StoredRiskSettings>(sql`
      with saved as (
        insert into risk_settings (id, limits, halted, updated_at)
        values (1, ${limits}::text::jsonb, ${change.halted ?? false}, now())
        on conflict (id) do update set
          limits = case when ${
      "limits" in change
    } then excluded.limits else risk_settings.limits end,
          halted = case when ${
      "halted" in change
    } then excluded.halted else risk_settings.halted end,
          updated_at = greatest(now(), risk_settings.updated_at + interval '1 microsecond')
        returning limits, halted, ${VERSION} as version
      ), audited as (
        insert into risk_audit (time, kind, body)
        values (${event.time}, ${event.kind}, ${JSON.stringify(event)}::text::jsonb)
      )
      select * from saved`);
    return rows[0];
  }

  /** Whether the latest halt closed every position too. */
  async lastHaltFlattened(): Promise<boolean> {
    const rows = await this.#db.query<{ flatten: boolean | null }>(
      sql`select (body->>'flatten')::boolean as flatten from risk_audit
          where kind = 'halt' order by id desc limit 1`,
    );
    return rows[0]?.flatten ?? false;
  }

  /** The last `limit` audit entries, newest first. */
  async audit(limit: number): Promise<AccountRiskEvent[]> {
    const rows = await this.#db.query<{ body: AccountRiskEvent }>(
      sql`select body from risk_audit order by id desc limit ${limit}`,
    );
    return rows.map((r) => r.body);
  }
}
