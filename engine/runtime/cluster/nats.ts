/**
 * NATS for code outside a node that works with a cluster's NATS server (the
 * benchmarks): the NATS client stays imported by cluster modules only.
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { marketStream } from "./shared_feed.ts";

export type { NatsConnection };

/** Connects to the NATS server(s) at `url` (comma-separated), failing after `timeoutMs`. */
export function connectNats(url: string, timeoutMs = 5_000): Promise<NatsConnection> {
  return connect({ servers: url.split(","), timeout: timeoutMs });
}

/** Deletes cluster `clusterId`'s market stream (it outlives the nodes); nothing when there is none. */
export async function deleteMarketStream(url: string, clusterId: string): Promise<void> {
  const nc = await connectNats(url);
  try {
    await (await jetstreamManager(nc)).streams.delete(marketStream(clusterId)).catch(() => {});
  } finally {
    await nc.close();
  }
}
