/**
 * One node of a cluster: NATS for messages between nodes, PostgreSQL for
 * membership and session leases. Each tick the node beats, renews the leases
 * of the sessions it runs (a lease it finds taken over is let go at once,
 * without another write), and adopts its share of the active sessions nobody
 * holds a live lease on (a node died or stopped), from their last durable
 * state. Its {@link Fencing} gives the persister each session's token.
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Db } from "../../../db/mod.ts";
import { LeaseTable, type MemberRow } from "../../../db/stores/mod.ts";
import { ConflictError, ServiceUnavailableError } from "../errors.ts";
import type { ClusterHealth } from "../health.ts";
import type { LiveBus } from "../live.ts";
import type { Logger } from "../log.ts";
import type { AccountRiskService } from "../risk.ts";
import type { Fencing } from "../persister.ts";
import type { SessionService } from "../sessions.ts";
import type { Supervisor } from "../supervisor.ts";
import type { Feed, FeedStatus } from "../market/feed.ts";
import { StartupError } from "../startup.ts";
import { decodeError, encodeError, type RemoteError } from "./remote_errors.ts";
import { ClusterRiskReach } from "./risk_reach.ts";
import { SharedFeed } from "./shared_feed.ts";
import { nodeSubject } from "./subjects.ts";

/** What a node needs to join. */
export interface ClusterOptions {
  readonly db: Db;
  readonly natsUrl: string;
  readonly nodeId: string;
  /** Where this node answers HTTP (shown to the other members). */
  readonly url: string;
  readonly leaseMs: number;
  /** How long the market stream keeps events (ms). */
  readonly streamRetentionMs: number;
  readonly maxSessions: number;
  readonly log: Logger;
}

/** How long a command forwarded to the owner may take. */
const CALL_TIMEOUT_MS = 15_000;
/** Most orphaned sessions looked at per tick. */
const ORPHANS_PER_TICK = 100;
/** How long a new session without a lease is left to the node creating it (it claims it at once). */
const NEW_SESSION_MS = 3_000;

/** A request another node sends to this one. */
type Handler = (op: string, args: unknown[]) => Promise<unknown>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** This process as a node of the cluster. */
export class ClusterNode implements Fencing {
  readonly nodeId: string;
  /** The cluster's id (from the database): it prefixes every subject and names the stream. */
  readonly clusterId: string;
  readonly #options: ClusterOptions;
  readonly #table: LeaseTable;
  readonly #nc: NatsConnection;
  /** Leases this node holds: session id → token, and when it was taken (ms). */
  readonly #leases = new Map<string, { token: number; since: number }>();
  readonly #adopting = new Set<string>();
  #members: MemberRow[] = [];
  #feeds: { feed: string; node_id: string }[] = [];
  #shared: SharedFeed | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #ticking: Promise<void> | undefined;
  #supervisor: Supervisor | undefined;
  #sessions: SessionService | undefined;
  #risk: AccountRiskService | undefined;
  #flush: () => Promise<void> = () => Promise.resolve();
  #closed = false;

  /** Subject of live updates every node fans out to its own clients. */
  get #liveSubject(): string {
    return `paper.${this.clusterId}.live`;
  }

  private constructor(options: ClusterOptions, nc: NatsConnection, clusterId: string) {
    this.nodeId = options.nodeId;
    this.clusterId = clusterId;
    this.#options = options;
    this.#table = new LeaseTable(options.db);
    this.#nc = nc;
  }

  /** Connects to NATS and announces the node (its sessions start with {@link attach}). */
  static async join(options: ClusterOptions): Promise<ClusterNode> {
    const nc = await connect({
      servers: options.natsUrl.split(","),
      name: options.nodeId,
      maxReconnectAttempts: -1,
    }).catch((error) => {
      throw new StartupError(
        `cannot reach NATS at NATS_URL: ${(error as Error).message}`,
      );
    });
    const table = new LeaseTable(options.db);
    const twin = (await table.members(options.leaseMs))
      .find((m) => m.id === options.nodeId && m.url !== options.url);
    if (twin) {
      await nc.close();
      throw new StartupError(
        `NODE_ID=${options.nodeId} is in use by a live node at ${twin.url}: give each node its own NODE_ID`,
      );
    }
    const node = new ClusterNode(options, nc, await table.clusterId());
    await table.beat(options.nodeId, options.url);
    return node;
  }

  /**
   * Starts serving: requests from other nodes go to `handle`, live updates
   * of every node reach `live`, account risk changes of every node reach
   * `risk` (and its changes every node), and the tick adopts orphaned sessions.
   */
  attach(parts: {
    supervisor: Supervisor;
    sessions: SessionService;
    live: LiveBus;
    risk: AccountRiskService;
    handle: Handler;
    /** Resolves when every write queued so far is committed (a stop's status before its lease goes). */
    flush: () => Promise<void>;
  }): void {
    this.#supervisor = parts.supervisor;
    this.#flush = parts.flush;
    this.#sessions = parts.sessions;
    this.#risk = parts.risk;
    new ClusterRiskReach(this.#nc, {
      clusterId: this.clusterId,
      nodeId: this.nodeId,
      members: () => this.#table.members(this.#options.leaseMs),
      log: this.#options.log,
    }).listen(parts.risk);
    this.#nc.subscribe(this.#liveSubject, {
      callback: (error, message) => {
        if (error) return;
        const { topic, data } = JSON.parse(decoder.decode(message.data));
        parts.live.publish(topic, data);
      },
    });
    this.#nc.subscribe(nodeSubject(this.clusterId, this.nodeId), {
      callback: (error, message) => {
        if (error) return;
        const { op, args } = JSON.parse(decoder.decode(message.data));
        const answer = (body: unknown) => {
          if (!this.#closed) message.respond(encoder.encode(JSON.stringify(body)));
        };
        parts.handle(op, args).then(
          (value) => answer({ value: value ?? null }),
          (failure) => answer({ error: encodeError(failure) }),
        );
      },
    });
    this.#schedule(0);
  }

  /** `inner` as a feed shared by the cluster: run here only for the symbols whose lease this node holds. */
  shareFeed(inner: Feed): SharedFeed {
    return this.#shared = new SharedFeed(inner, {
      nc: this.#nc,
      clusterId: this.clusterId,
      db: this.#options.db,
      nodeId: this.nodeId,
      leaseMs: this.#options.leaseMs,
      retentionMs: this.#options.streamRetentionMs,
      log: this.#options.log,
    });
  }

  /**
   * The status of the feed this node ingests for the cluster (its outages
   * are alerted by this node alone); undefined when another node ingests.
   */
  feedStatus(): FeedStatus | undefined {
    return this.#shared?.ingesting();
  }

  /** Publishes a live update for whichever node holds the clients of `topic`. */
  publish(topic: string, data: unknown): void {
    if (this.#closed) return;
    this.#nc.publish(this.#liveSubject, encoder.encode(JSON.stringify({ topic, data })));
  }

  /** Asks node `nodeId` to run `op` (503 when it does not answer). */
  async call(nodeId: string, op: string, args: unknown[]): Promise<unknown> {
    let reply;
    try {
      reply = await this.#nc.request(
        nodeSubject(this.clusterId, nodeId),
        encoder.encode(JSON.stringify({ op, args })),
        { timeout: CALL_TIMEOUT_MS },
      );
    } catch (error) {
      throw new ServiceUnavailableError(
        `node ${nodeId} did not answer (${(error as Error).message}); try again`,
      );
    }
    const answer = JSON.parse(decoder.decode(reply.data)) as {
      value?: unknown;
      error?: RemoteError;
    };
    if (answer.error) throw decodeError(answer.error);
    return answer.value;
  }

  /** The node holding a live lease on session `id`, if any. */
  owner(id: string): Promise<string | undefined> {
    return this.#table.owner(id);
  }

  /** The live member with the fewest sessions now (this node on a tie, or when it knows no other). */
  async placement(): Promise<string> {
    this.#members = await this.#table.members(this.#options.leaseMs);
    const load = (m: MemberRow) => m.id === this.nodeId ? this.#leases.size : m.sessions;
    let best = this.nodeId;
    let least = this.#leases.size;
    for (const member of this.#members) {
      if (member.alive && load(member) < least) [best, least] = [member.id, load(member)];
    }
    return best;
  }

  /** Takes the lease of session `id` before this node starts it (409 when another node holds it). */
  async claim(id: string): Promise<void> {
    const token = await this.#table.claim(id, this.nodeId, this.#options.leaseMs);
    if (token === undefined) throw new ConflictError(`session ${id} runs on another node`);
    this.#leases.set(id, { token, since: Date.now() });
  }

  /**
   * Takes the lease of session `id`, which failed here, again (a command
   * resumes it here); false when another node runs it by now: it is let go
   * here and commands go there.
   */
  async reclaim(id: string): Promise<boolean> {
    try {
      await this.claim(id);
      return true;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      this.#supervisor?.release(id);
      return false;
    }
  }

  /** {@link Fencing}: the token this node writes session `id` under. */
  token(id: string): number {
    return this.#leases.get(id)?.token ?? -1;
  }

  /** {@link Fencing}: another node took session `id` over; stop it here without writing. */
  lost(id: string): void {
    if (!this.#leases.delete(id) && !this.#supervisor?.get(id)) return;
    this.#options.log.warn(`session ${id}: its lease moved to another node; stopped here`);
    this.#supervisor?.release(id);
  }

  /** Members (how long ago each beat, its slowest session), this node's leases, the worst lag. */
  health(): ClusterHealth {
    const own = this.#lagMs();
    const members = this.#members.map((m) => ({
      id: m.id,
      url: m.url,
      alive: m.alive,
      sessions: m.sessions,
      last_beat_ms: m.silent_ms,
      lag_ms: m.id === this.nodeId ? own : m.lag_ms,
    }));
    const worst = members.filter((m) => m.lag_ms !== null)
      .sort((a, b) => b.lag_ms! - a.lag_ms!)[0];
    return {
      id: this.clusterId,
      node: this.nodeId,
      members,
      lag_ms: { max: worst?.lag_ms ?? null, node: worst?.id ?? null },
      leases: [...this.#leases].map(([session, lease]) => {
        const lag = this.#supervisor?.lagMs(session);
        return { session, token: lease.token, lag_ms: lag === undefined ? null : Math.round(lag) };
      }),
      stream: this.#shared?.lag() ?? {},
      feeds: this.#feeds.map((f) => ({ feed: f.feed, node: f.node_id })),
      lease_ms: this.#options.leaseMs,
    };
  }

  /** Stops beating, renewing and adopting (the service is stopping). */
  stop(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  /**
   * Leaves the cluster: gives up its leases (call after the persister
   * flushed: the sessions move to other nodes at once) and disconnects.
   */
  async close(): Promise<void> {
    this.stop();
    await this.#ticking;
    const leases = [...this.#leases].map(([sessionId, l]) => ({ sessionId, token: l.token }));
    try {
      await this.#table.release(this.nodeId, leases);
      await this.#table.leave(this.nodeId);
    } catch (error) {
      this.#options.log.warn(`leaving the cluster: ${(error as Error).message}`);
    }
    await this.#nc.drain().catch(() => {});
  }

  #schedule(ms: number): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#ticking = this.#tick()
        .catch((error) => this.#options.log.warn(`cluster: ${(error as Error).message}`))
        .finally(() => this.#schedule(this.#options.leaseMs / 5));
    }, ms);
  }

  /** The lag of this node's slowest session with a worker (ms), null when none runs. */
  #lagMs(): number | null {
    const lags = this.#supervisor?.ids().flatMap((id) => this.#supervisor!.lagMs(id) ?? []) ?? [];
    return lags.length === 0 ? null : Math.round(Math.max(...lags));
  }

  /**
   * Beats (with its slowest session's lag), renews leases, takes account risk
   * changes it missed, lets go of failed sessions resumed elsewhere, adopts
   * orphaned sessions (after the risk: they start under the settings in force).
   */
  async #tick(): Promise<void> {
    const { leaseMs, nodeId } = this.#options;
    await this.#table.beat(nodeId, this.#options.url, this.#lagMs());
    await this.#renew();
    await this.#risk?.refresh();
    await this.#forgetMoved();
    this.#members = await this.#table.members(leaseMs);
    this.#feeds = await this.#table.feedHolders();
    if (this.#closed) return;
    const orphans = await this.#table.orphans(ORPHANS_PER_TICK, Math.min(leaseMs, NEW_SESSION_MS));
    if (orphans.length === 0) return;
    this.#adopt(orphans.filter((id) => !this.#adopting.has(id)));
  }

  /** Renews the leases of sessions running here; lets go of the others and of those lost. */
  async #renew(): Promise<void> {
    const supervisor = this.#supervisor!;
    const held = [];
    const gone = [];
    for (const [sessionId, lease] of this.#leases) {
      // A failed session holds no worker: its lease goes (a resume claims it again).
      const live = supervisor.get(sessionId);
      const running = (live && live.status !== "failed") || this.#adopting.has(sessionId);
      // A lease just taken may not have its worker yet.
      if (running || Date.now() - lease.since < this.#options.leaseMs) {
        held.push({ sessionId, token: lease.token });
      } else gone.push({ sessionId, token: lease.token });
    }
    if (gone.length > 0) {
      await this.#flush(); // a stopped session's last status is written under its lease
      for (const lease of gone) this.#leases.delete(lease.sessionId);
      await this.#table.release(this.nodeId, gone);
    }
    const kept = await this.#table.renew(this.nodeId, held, this.#options.leaseMs);
    for (const { sessionId } of held) if (!kept.has(sessionId)) this.lost(sessionId);
  }

  /** Lets go of sessions that failed here and run on another node now (resumed through it). */
  async #forgetMoved(): Promise<void> {
    const supervisor = this.#supervisor!;
    for (const id of supervisor.ids()) {
      if (supervisor.get(id)?.status !== "failed" || this.#leases.has(id)) continue;
      const owner = await this.#table.owner(id);
      if (owner !== undefined && owner !== this.nodeId) supervisor.release(id);
    }
  }

  /** Claims this node's share of `orphans` and starts them from their durable state. */
  #adopt(orphans: string[]): void {
    // Nodes that beat lately share the orphans: a node whose leases expired has been silent as long.
    const sharing = this.#members.filter((m) =>
      m.id === this.nodeId || m.silent_ms < this.#options.leaseMs / 2
    );
    const alive = Math.max(1, sharing.length);
    const total = sharing.reduce((n, m) => n + m.sessions, 0) + orphans.length;
    const share = Math.max(1, Math.ceil(total / alive) - this.#leases.size);
    const room = this.#options.maxSessions - this.#supervisor!.active() - this.#adopting.size;
    const picked = shuffled(orphans).slice(0, Math.min(share, room));
    for (const id of picked) {
      this.#adopting.add(id);
      this.#adoptOne(id).finally(() => this.#adopting.delete(id));
    }
  }

  async #adoptOne(id: string): Promise<void> {
    if (this.#closed) return;
    try {
      await this.claim(id);
    } catch {
      return; // another node was quicker
    }
    this.#options.log.info(`session ${id}: adopted by node ${this.nodeId}`);
    const ok = await this.#sessions!.adopt(id);
    if (!ok && !this.#supervisor!.get(id)) {
      const lease = this.#leases.get(id);
      this.#leases.delete(id);
      if (lease) await this.#table.release(this.nodeId, [{ sessionId: id, token: lease.token }]);
    }
  }
}

/** A copy of `list` in random order (nodes adopting at once pick different sessions). */
function shuffled<T>(list: readonly T[]): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
