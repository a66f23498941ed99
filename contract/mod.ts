/**
 * The API contract shared by routes, CLI and dashboard islands: response and
 * live-message types, limits, topic names and the one error type. Plain types
 * and constants only; the request schemas (zod) are in `schemas.ts`, which
 * the islands never import.
 *
 * @module
 */
export * from "./errors.ts";
export * from "./limits.ts";
export * from "./live.ts";
export * from "./resources.ts";
export * from "./session_figures.ts";
export * from "./webhook_target.ts";
