/**
 * Sessions on a node of a cluster: any node answers any request. A new
 * session is placed on the live node with the fewest sessions; commands for a
 * session another node runs travel to that node (NATS request/reply) and come
 * back with its answer or its error.
 */
import type { SessionSummary, StoppedSummary } from "../../../contract/mod.ts";
import type { SessionInput } from "../../../contract/schemas.ts";
import type { ManualOrder } from "../../core/session/mod.ts";
import type { Order } from "../../core/execution/mod.ts";
import type { TradingState } from "../../core/risk/mod.ts";
import { SessionService } from "../sessions.ts";
import type { ClusterNode } from "./node.ts";

/** What {@link SessionService} is built from. */
type SessionDeps = ConstructorParameters<typeof SessionService>[0];

/** A created session and whether this request created it. */
type Created = { session: SessionSummary; created: boolean };

/** {@link SessionService} whose commands reach the session's owner wherever it runs. */
export class ClusterSessions extends SessionService {
  readonly #node: ClusterNode;
  readonly #supervisor: SessionDeps["supervisor"];

  constructor(deps: SessionDeps, node: ClusterNode) {
    super({ ...deps, nodeId: node.nodeId, claim: (id) => node.claim(id) });
    this.#node = node;
    this.#supervisor = deps.supervisor;
  }

  /** Runs a request another node forwarded here, on this node. */
  handle(op: string, args: unknown[]): Promise<unknown> {
    const [id, arg] = args as [string, unknown];
    switch (op) {
      case "create":
        return super.createOnce(args[0] as SessionInput, args[1] as string | undefined);
      case "command":
        return super.command(id, arg as "pause" | "resume" | "stop");
      case "stop":
        return super.stop(id, arg as { flatten: boolean });
      case "close":
        // JSON carries an absent symbol as null.
        return super.close(id, (arg as string | null) ?? undefined);
      case "order":
        return super.placeOrder(id, arg as ManualOrder);
      case "cancel":
        return super.cancelOrder(id, arg as string);
      case "risk": {
        const { state, flatten } = arg as { state: TradingState; flatten?: boolean };
        return super.setTradingState(id, state, { flatten });
      }
      default:
        return Promise.reject(new TypeError(`unknown cluster request '${op}'`));
    }
  }

  /** Creates the session on the least loaded live node (this one when the other does not answer). */
  override async createOnce(input: SessionInput, key?: string): Promise<Created> {
    const target = await this.#node.placement();
    if (target === this.#node.nodeId) return await super.createOnce(input, key);
    return await this.#node.call(target, "create", [input, key]) as Created;
  }

  override command(id: string, command: "pause" | "resume" | "stop"): Promise<SessionSummary> {
    return this.#route(id, "command", [id, command], () => super.command(id, command));
  }

  override stop(id: string, options: { flatten: boolean }): Promise<StoppedSummary> {
    return this.#route(id, "stop", [id, options], () => super.stop(id, options));
  }

  override close(id: string, symbol?: string): Promise<SessionSummary> {
    return this.#route(id, "close", [id, symbol], () => super.close(id, symbol));
  }

  override placeOrder(id: string, order: ManualOrder): Promise<Order> {
    return this.#route(id, "order", [id, order], () => super.placeOrder(id, order));
  }

  override cancelOrder(id: string, orderId: string): Promise<SessionSummary> {
    return this.#route(id, "cancel", [id, orderId], () => super.cancelOrder(id, orderId));
  }

  override setTradingState(
    id: string,
    state: TradingState,
    options: { flatten?: boolean } = {},
  ): Promise<SessionSummary> {
    return this.#route(
      id,
      "risk",
      [id, { state, ...options }],
      () => super.setTradingState(id, state, options),
    );
  }

  /**
   * Runs `here` when this node answers for session `id` (it runs it, or no
   * node holds its lease), otherwise asks the node that runs it.
   */
  async #route<T>(id: string, op: string, args: unknown[], here: () => Promise<T>): Promise<T> {
    let live = this.#supervisor.get(id);
    // A session that failed here gave up its lease: a command (resume, stop) takes it again first,
    // unless another node runs it by now (it was resumed there): then the command goes there.
    if (live?.status === "failed" && this.#node.token(id) < 0 && !await this.#node.reclaim(id)) {
      live = undefined;
    }
    if (live) return await here();
    const owner = await this.#node.owner(id);
    if (owner === undefined || owner === this.#node.nodeId) return await here();
    return await this.#node.call(owner, op, args) as T;
  }
}
