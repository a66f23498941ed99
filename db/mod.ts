/**
 * Database access: the {@link Db} interface, its two adapters and migrations.
 * @module
 */
export { type Db, prepared, type Queryable, sql, type Statement } from "./db.ts";
export { openPglite } from "./pglite_worker.ts";
export { DatabaseError } from "./_pglite_protocol.ts";
export { openPostgres } from "./postgres.ts";
export { loadMigrations, migrate, type Migration } from "./migrate.ts";
export { openDatabase } from "./open.ts";
export { DatabaseUnavailableError, isTransient, unavailableReason } from "./unavailable.ts";
