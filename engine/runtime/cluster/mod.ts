/**
 * The service as a node of a cluster (`NATS_URL` set): membership and
 * session leases with fencing in PostgreSQL, commands and live updates over
 * NATS. Loaded only in cluster mode (`import()`), never by a single node.
 * @module
 */
export { ClusterNode, type ClusterOptions } from "./node.ts";
export { ClusterSessions } from "./sessions.ts";
