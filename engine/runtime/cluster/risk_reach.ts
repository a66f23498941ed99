/**
 * Account-wide risk across a cluster: a change made through any node is
 * sent to every node on one NATS subject (request, many replies); each node
 * takes it to the sessions it runs and answers with how many those are and
 * which could not take it (or, when the node could not take it at all, why).
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { RiskFailure, RiskReached } from "../../../contract/mod.ts";
import type { StoredRiskSettings } from "../../../db/stores/mod.ts";
import type { Logger } from "../log.ts";
import type { AccountRiskService, RiskChange, RiskReach } from "../risk.ts";

/** How long the sender waits for every live node to answer. */
const ANSWER_MS = 10_000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What a node answers to a change. */
interface Answer {
  readonly node: string;
  readonly sessions: number;
  readonly failed: readonly RiskFailure[];
}

/** {@link RiskReach} over NATS for one node. */
export class ClusterRiskReach implements RiskReach {
  readonly #nc: NatsConnection;
  readonly #subject: string;
  readonly #nodeId: string;
  readonly #members: () => Promise<{ id: string; sessions: number }[]>;
  readonly #log: Logger;

  constructor(
    nc: NatsConnection,
    options: {
      clusterId: string;
      nodeId: string;
      /** The live members now, with the sessions each holds. */
      members: () => Promise<{ id: string; sessions: number }[]>;
      log: Logger;
    },
  ) {
    this.#nc = nc;
    this.#subject = `paper.${options.clusterId}.risk`;
    this.#nodeId = options.nodeId;
    this.#members = options.members;
    this.#log = options.log;
  }

  /** Takes the changes any node sends to `risk`'s sessions, and sends this node's through NATS. */
  listen(risk: AccountRiskService): void {
    this.#nc.subscribe(this.#subject, {
      callback: (error, message) => {
        if (error) return;
        const { stored, change } = JSON.parse(decoder.decode(message.data)) as {
          stored: StoredRiskSettings;
          change: RiskChange;
        };
        const node = this.#nodeId;
        risk.apply(stored, change).then(
          ({ sessions, failed }): Answer => ({ node, sessions, failed }),
          (error): Answer => {
            const why = (error as Error).message;
            this.#log.warn(`account risk: this node did not take the ${change.kind}: ${why}`);
            return { node, sessions: 0, failed: [{ node, session: null, error: why }] };
          },
        ).then((answer) => {
          if (!this.#nc.isClosed()) message.respond(encoder.encode(JSON.stringify(answer)));
        });
      },
    });
    risk.spread(this);
  }

  async sessions(): Promise<number> {
    return (await this.#members()).reduce((n, m) => n + m.sessions, 0);
  }

  async send(stored: StoredRiskSettings, change: RiskChange): Promise<RiskReached> {
    const members = (await this.#members()).map((m) => m.id);
    if (!members.includes(this.#nodeId)) members.push(this.#nodeId);
    const answers: Answer[] = [];
    try {
      const replies = await this.#nc.requestMany(
        this.#subject,
        encoder.encode(JSON.stringify({ stored, change })),
        { strategy: "count", maxMessages: members.length, maxWait: ANSWER_MS },
      );
      for await (const reply of replies) answers.push(JSON.parse(decoder.decode(reply.data)));
    } catch {
      // No node answered in time: the nodes take the change from the stored settings.
    }
    const answered = new Set(answers.map((a) => a.node));
    // A node that answered a failure of its own did not take the change (it does at its next tick).
    const took = answers.filter((a) => !a.failed.some((f) => f.session === null));
    return {
      nodes: new Set(took.map((a) => a.node)).size,
      sessions: answers.reduce((n, a) => n + a.sessions, 0),
      missing: members.filter((id) => !answered.has(id)),
      failed: answers.flatMap((a) => a.failed),
    };
  }
}
