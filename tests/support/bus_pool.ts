/**
 * Test and benchmark helper: a pool of bus subscriber workers
 * (`bus_worker.ts`) wired to a hub for gap recovery.
 */
import type { MarketHub } from "../../engine/runtime/market/hub.ts";

/** What a worker reports. */
export interface WorkerReport {
  received: number;
  inOrder: boolean;
  stats: { delivered: number; gaps: number; recovered: number; unrecoverable: number };
  unrecoverable: [string, number, number][];
}

/** N subscriber workers on the same symbols. */
export class BusWorkerPool {
  #workers: Worker[] = [];
  #waiters = new Map<Worker, (data: unknown) => void>();

  private constructor() {}

  /** Starts `count` workers subscribed to `symbols` (in the hub's `namespace`), starting after the hub's current seq. */
  static async create(
    hub: MarketHub,
    count: number,
    symbols: readonly string[],
    namespace?: string,
  ): Promise<BusWorkerPool> {
    const pool = new BusWorkerPool();
    const startAfter = Object.fromEntries(symbols.map((s) => [s, hub.lastSeq(s)]));
    for (let i = 0; i < count; i++) {
      // The first worker populates the type-check cache; the rest start from it.
      if (i === 1) await pool.#all({ type: "init", symbols, startAfter, namespace });
      const worker = new Worker(new URL("./bus_worker.ts", import.meta.url), { type: "module" });
      worker.onmessage = (e: MessageEvent) => {
        const msg = e.data;
        if (msg.type === "recover") {
          worker.postMessage({
            type: "recovered",
            symbol: msg.symbol,
            batches: hub.recover(msg.symbol, msg.from, msg.to),
          });
        } else {
          const waiter = pool.#waiters.get(worker);
          pool.#waiters.delete(worker);
          waiter?.(msg);
        }
      };
      pool.#workers.push(worker);
    }
    await Promise.all(
      pool.#workers.slice(count > 1 ? 1 : 0).map((worker) =>
        pool.#one(worker, { type: "init", symbols, startAfter, namespace })
      ),
    );
    return pool;
  }

  #one(worker: Worker, message: unknown): Promise<unknown> {
    return new Promise((resolve) => {
      this.#waiters.set(worker, resolve);
      worker.postMessage(message);
    });
  }

  #all(message: unknown): Promise<unknown[]> {
    return Promise.all(this.#workers.map((worker) => this.#one(worker, message)));
  }

  /** Resolves when every worker has received `total` trades in all; rejects with the reports after `timeoutMs`. */
  async expect(total: number, timeoutMs = 60_000): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((resolve) =>
      timer = setTimeout(() => resolve("timeout"), timeoutMs)
    );
    const result = await Promise.race([this.#all({ type: "expect", total }), timeout]);
    clearTimeout(timer);
    if (result === "timeout") {
      this.#waiters.clear();
      const reports = await this.reports();
      throw new Error(
        `workers did not receive ${total} trades within ${timeoutMs} ms: ${
          JSON.stringify(reports.map((r) => [r.received, r.stats, r.unrecoverable]))
        }`,
      );
    }
  }

  /** Every worker's report. */
  async reports(): Promise<WorkerReport[]> {
    return (await this.#all({ type: "report" })) as WorkerReport[];
  }

  /** Stops the workers. */
  close(): void {
    for (const worker of this.#workers) worker.terminate();
  }
}
