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

/** Reads and writes the account risk settings and audit. */
export class RiskTable {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** The stored settings (none stored: no API limits, not halted). */
  async settings(): Promise<RiskSettings> {
    const rows = await this.#db.query<RiskSettings>(
      sql`select limits, halted from risk_settings where id = 1`,
    );
    return rows[0] ?? { limits: null, halted: false };
  }

  /** Stores the settings and appends `event` to the audit, in one statement. */
  async save(settings: RiskSettings, event: AccountRiskEvent): Promise<void> {
    const limits = settings.limits === null ? null : JSON.stringify(settings.limits);
    await this.#db.query(sql`
      with saved as (
        insert into risk_settings (id, limits, halted, updated_at)
        values (1, ${limits}::text::jsonb, ${settings.halted}, now())
        on conflict (id) do update
          set limits = excluded.limits, halted = excluded.halted, updated_at = now()
      )
      insert into risk_audit (time, kind, body)
      values (${event.time}, ${event.kind}, ${JSON.stringify(event)}::text::jsonb)`);
  }

  /** The last `limit` audit entries, newest first. */
  async audit(limit: number): Promise<AccountRiskEvent[]> {
    const rows = await this.#db.query<{ body: AccountRiskEvent }>(
      sql`select body from risk_audit order by id desc limit ${limit}`,
    );
    return rows.map((r) => r.body);
  }
}
