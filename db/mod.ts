/**
 * Database access: the {@link Db} interface, its two engines (each opened in
 * a database worker) and migrations.
 * @module
 */
export { type Db, prepared, type Queryable, sql, type Statement } from "./db.ts";
export { openPglite, openPostgres } from "./database_worker.ts";
export { DatabaseError } from "./_database_protocol.ts";
export { loadMigrations, migrate, type Migration } from "./migrate.ts";
export { openDatabase } from "./open.ts";
export { DatabaseUnavailableError, isTransient, unavailableReason } from "./unavailable.ts";
