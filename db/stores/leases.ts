/**
 * SQL of cluster membership and session leases: nodes beat in
 * `cluster_nodes`; each session is owned by one node in `session_leases`
 * under a fencing token that only grows (see `session_log.ts` for the check
 * every commit makes).
 */
import { type Db, sql } from "../db.ts";
import { ACTIVE_STATUSES } from "../../engine/core/session/mod.ts";

/** A node of the cluster as its beats show it. */
export interface MemberRow {
  readonly id: string;
  readonly url: string;
  readonly started_at: string;
  /** Milliseconds since its last beat. */
  readonly silent_ms: number;
  readonly alive: boolean;
  /** Sessions it holds an unexpired lease on. */
  readonly sessions: number;
  /** The lag of its slowest session at its last beat (ms; null: none runs there). */
  readonly lag_ms: number | null;
}

/** A lease as held: which session, under which token. */
export interface Lease {
  readonly sessionId: string;
  readonly token: number;
}

/** Reads and writes cluster members and session leases (times are the database's clock). */
export class LeaseTable {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** The cluster's id (made once, by the migration): the same for every node on this database. */
  async clusterId(): Promise<string> {
    return (await this.#db.query<{ id: string }>(sql`select id from cluster_identity`))[0].id;
  }

  /** Records that node `id` (answering at `url`, its slowest session `lagMs` behind) is alive now. */
  async beat(id: string, url: string, lagMs: number | null = null): Promise<void> {
    await this.#db.query(
      sql`insert into cluster_nodes (id, url, lag_ms) values (${id}, ${url}, ${lagMs})
      on conflict (id) do update set url = excluded.url, lag_ms = excluded.lag_ms, seen_at = now()`,
    );
  }

  /** Every node that beat within `staleMs`, with how many sessions it holds, by id. */
  members(staleMs: number): Promise<MemberRow[]> {
    return this.#db.query<MemberRow>(sql`
      select n.id, n.url,
        to_char(n.started_at at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as started_at,
        (extract(epoch from now() - n.seen_at) * 1000)::int as silent_ms,
        n.seen_at > now() - ${staleMs} * interval '1 millisecond' as alive, n.lag_ms,
        (select count(*)::int from session_leases l
          where l.node_id = n.id and l.expires_at > now()) as sessions
      from cluster_nodes n
      where n.seen_at > now() - ${staleMs} * interval '1 millisecond'
      order by n.id`);
  }

  /**
   * Takes the lease of a session that has none or whose lease expired, for
   * `ttlMs`, under a new (larger) token; undefined when another node holds it.
   */
  async claim(sessionId: string, nodeId: string, ttlMs: number): Promise<number | undefined> {
    const rows = await this.#db.query<{ token: string | number }>(sql`
      insert into session_leases (session_id, node_id, token, expires_at)
      values (${sessionId}, ${nodeId}, nextval('session_lease_tokens'),
        now() + ${ttlMs} * interval '1 millisecond')
      on conflict (session_id) do update
        set node_id = excluded.node_id, token = excluded.token, expires_at = excluded.expires_at
        where session_leases.expires_at < now()
      returning token`);
    return rows.length > 0 ? Number(rows[0].token) : undefined;
  }

  /**
   * Extends the leases `held` by `nodeId` for `ttlMs`; returns the ids of
   * those still held (same token: nobody took them over, even if they expired).
   */
  async renew(nodeId: string, held: readonly Lease[], ttlMs: number): Promise<Set<string>> {
    if (held.length === 0) return new Set();
    const list = JSON.stringify(held.map((l) => ({ session_id: l.sessionId, token: l.token })));
    const rows = await this.#db.query<{ session_id: string }>(sql`
      update session_leases l set expires_at = now() + ${ttlMs} * interval '1 millisecond'
      from jsonb_to_recordset(${list}::text::jsonb) as x(session_id text, token bigint)
      where l.session_id = x.session_id and l.token = x.token and l.node_id = ${nodeId}
      returning l.session_id`);
    return new Set(rows.map((r) => r.session_id));
  }

  /** Gives up leases of `nodeId` (its sessions stopped, or the node leaves). */
  async release(nodeId: string, leases: readonly Lease[]): Promise<void> {
    if (leases.length === 0) return;
    const list = JSON.stringify(leases.map((l) => ({ session_id: l.sessionId, token: l.token })));
    await this.#db.query(sql`delete from session_leases l
      using jsonb_to_recordset(${list}::text::jsonb) as x(session_id text, token bigint)
      where l.session_id = x.session_id and l.token = x.token and l.node_id = ${nodeId}`);
  }

  /** Removes node `id` from the members (it stops). */
  async leave(id: string): Promise<void> {
    await this.#db.query(sql`delete from cluster_nodes where id = ${id}`);
  }

  /**
   * Active sessions nobody holds a live lease on, oldest first (at most
   * `limit`); sessions younger than `graceMs` are left to the node creating them.
   */
  async orphans(limit: number, graceMs: number): Promise<string[]> {
    const rows = await this.#db.query<{ id: string }>(sql`
      select s.id from sessions s left join session_leases l on l.session_id = s.id
      where s.status = any(${ACTIVE_STATUSES as string[]})
        and (l.session_id is null or l.expires_at < now())
        and s.created_at < now() - ${graceMs} * interval '1 millisecond'
      order by s.created_at limit ${limit}`);
    return rows.map((r) => r.id);
  }

  /**
   * Takes or keeps the leases of `feeds` for `nodeId` for `ttlMs` (a feed is
   * taken when nobody holds it or its lease expired); returns those it holds.
   */
  async holdFeeds(nodeId: string, feeds: readonly string[], ttlMs: number): Promise<Set<string>> {
    if (feeds.length === 0) return new Set();
    const rows = await this.#db.query<{ feed: string }>(sql`
      insert into feed_leases (feed, node_id, expires_at)
      select f, ${nodeId}, now() + ${ttlMs} * interval '1 millisecond'
      from unnest(${feeds as string[]}::text[]) as f
      on conflict (feed) do update
        set node_id = excluded.node_id, expires_at = excluded.expires_at
        where feed_leases.node_id = excluded.node_id or feed_leases.expires_at < now()
      returning feed`);
    return new Set(rows.map((r) => r.feed));
  }

  /** Gives up the feed leases `nodeId` holds among `feeds`. */
  async releaseFeeds(nodeId: string, feeds: readonly string[]): Promise<void> {
    if (feeds.length === 0) return;
    await this.#db.query(sql`delete from feed_leases
      where node_id = ${nodeId} and feed = any(${feeds as string[]})`);
  }

  /** Every unexpired feed lease: which node ingests which feed. */
  feedHolders(): Promise<{ feed: string; node_id: string }[]> {
    return this.#db.query(sql`select feed, node_id from feed_leases
      where expires_at > now() order by feed`);
  }

  /** The node holding an unexpired lease on session `id`, if any. */
  async owner(sessionId: string): Promise<string | undefined> {
    const rows = await this.#db.query<{ node_id: string }>(sql`
      select node_id from session_leases where session_id = ${sessionId} and expires_at > now()`);
    return rows[0]?.node_id;
  }
}
