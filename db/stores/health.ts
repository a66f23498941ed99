/** SQL of the health check: whether the database answers at all. */
import { type Db, sql } from "../db.ts";

/** Resolves when the database answers a trivial query; rejects with why it did not. */
export async function ping(db: Db): Promise<void> {
  await db.query(sql`select 1`);
}
