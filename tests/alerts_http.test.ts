// Alert delivery as HTTP means it, against a real local receiver: a refusal
// for good is not retried, a requested wait is honoured, and one slow target
// does not hold up the others.
import assert from "node:assert/strict";
import { AlertOutbox, type AlertRow, type NewAlert } from "../db/stores/mod.ts";
import { AlertDispatcher, type DispatchTimings } from "../engine/runtime/alerts/dispatcher.ts";
import { createLogger } from "../engine/runtime/log.ts";
import { DATABASES, type TestDatabase } from "./support/databases.ts";
import { eventually } from "./support/wait.ts";
import { type Answer, startWebhookReceiver } from "./support/webhook_receiver.ts";

/** Short backoff, so a retried alert is asked for again within the test. */
const FAST = { firstRetryMs: 50, maxRetryMs: 400, pollMs: 50 };

/** An outbox on a fresh database, a dispatcher over it, and a receiver answering `answer`. */
function delivering(
  database: TestDatabase,
  answer: Answer,
  timings: Partial<DispatchTimings>,
) {
  const receiver = startWebhookReceiver(answer);
  const outbox = new AlertOutbox(database.db);
  const dispatcher = new AlertDispatcher(outbox, { timings, log: createLogger("error") });
  return {
    receiver,
    outbox,
    /** Stores `count` alerts for the target at `path`, then lets the dispatcher run. */
    async send(path: string, count = 1): Promise<void> {
      const alerts: NewAlert[] = Array.from({ length: count }, (_, i) => ({
        key: `fill:${path}:${i}`,
        kind: "fill",
        sessionId: null,
        time: Date.now(),
        data: { fill: { side: "buy", quantity: 1, symbol: "BTCUSDT", price: 1, fee: 0 } },
      }));
      await outbox.add(alerts, { global: [`${receiver.url}${path}`], perSession: false });
      dispatcher.start();
      dispatcher.wake();
    },
    /** The outbox row of the (only) alert to `path`. */
    async row(path: string): Promise<AlertRow> {
      const rows = await outbox.list({ limit: 500, offset: 0 });
      return rows.find((r) => r.target === `${receiver.url}${path}`)!;
    },
    async close(): Promise<void> {
      await dispatcher.close();
      await receiver.close();
    },
  };
}

/** Answers `status` (with `headers`) to the first `times` requests to a path, then 200. */
function failFirst(times: number, status: number, headers: Record<string, string> = {}) {
  return (n: number) => n < times ? new Response(null, { status, headers }) : new Response("ok");
}

for (const kind of DATABASES) {
  Deno.test(`${kind.name}: a 4xx other than 408, 425, 429 fails an alert at once; those and 5xx are retried`, async () => {
    const database = await kind.open();
    const answers: Record<string, (n: number) => Response> = {};
    for (const status of [400, 401, 403, 404, 410, 422]) {
      answers[`/refuse/${status}`] = () => new Response(null, { status });
    }
    for (const status of [408, 425, 429, 500, 502, 503]) {
      answers[`/retry/${status}`] = failFirst(2, status);
    }
    // Retry-After belongs to 429 and 503 only: on a 500 the backoff rules.
    answers["/retry/500-after"] = failFirst(2, 500, { "retry-after": "86400" });
    const delivery = delivering(
      database,
      (r, n) => answers[new URL(r.url).pathname](n),
      FAST,
    );
    try {
      for (const path of Object.keys(answers)) await delivery.send(path);
      for (const path of Object.keys(answers).filter((p) => p.startsWith("/retry/"))) {
        const row = await eventually(async () => {
          const row = await delivery.row(path);
          return row.status === "delivered" ? row : undefined;
        }, { what: `the alert to ${path} delivered on its third attempt` });
        assert.equal(row.attempts, 3, path);
        assert.equal(delivery.receiver.to(path).length, 3, path);
      }
      for (const path of Object.keys(answers).filter((p) => p.startsWith("/refuse/"))) {
        const row = await delivery.row(path);
        const status = path.split("/")[2];
        assert.equal(row.status, "failed", `${path}: given up`);
        assert.equal(row.attempts, 1, `${path}: one attempt`);
        assert.equal(row.last_error, `HTTP ${status}`, `${path}: the status is the error`);
        assert.equal(delivery.receiver.to(path).length, 1, `${path}: asked once`);
      }
    } finally {
      await delivery.close();
      await database.dispose();
    }
  });

  Deno.test(`${kind.name}: Retry-After on 429 and 503 (seconds or an HTTP date) is waited for, capped at the longest backoff`, async () => {
    const database = await kind.open();
    // An HTTP date has whole seconds: three ahead leaves at least two.
    const date = () => new Date(Date.now() + 3_000).toUTCString();
    const answers: Record<string, (n: number) => Response> = {
      "/seconds": failFirst(1, 429, { "retry-after": "1" }),
      "/date": (n) => failFirst(1, 503, { "retry-after": date() })(n),
      "/capped": failFirst(1, 429, { "retry-after": "86400" }),
    };
    const maxRetryMs = 5_000;
    const delivery = delivering(
      database,
      (r, n) => answers[new URL(r.url).pathname](n),
      { ...FAST, maxRetryMs },
    );
    try {
      for (const path of Object.keys(answers)) await delivery.send(path);
      for (const [path, waitMs] of [["/seconds", 1_000], ["/date", 2_000]] as const) {
        await eventually(() => delivery.receiver.to(path).length === 2 || undefined, {
          what: `the alert to ${path} asked again after its Retry-After`,
        });
        const [first, second] = delivery.receiver.to(path);
        assert.equal(first.status, path === "/date" ? 503 : 429);
        assert.equal(second.status, 200);
        assert.ok(
          second.at - first.at >= waitMs - 50,
          `${path}: asked again ${second.at - first.at} ms later, not before ${waitMs} ms`,
        );
      }
      const capped = await delivery.row("/capped");
      assert.equal(capped.status, "pending");
      assert.equal(capped.attempts, 1);
      const wait = Date.parse(capped.next_attempt_at) - Date.parse(capped.last_attempt_at!);
      assert.ok(
        wait > maxRetryMs - 1_000 && wait <= maxRetryMs + 50,
        `a day's Retry-After waits the longest backoff (${maxRetryMs} ms), not ${wait} ms`,
      );
    } finally {
      await delivery.close();
      await database.dispose();
    }
  });

  Deno.test(`${kind.name}: a target that never answers holds one delivery, and the others are delivered meanwhile`, async () => {
    const database = await kind.open();
    const held: (() => void)[] = [];
    let stuck = true;
    const answer: Answer = (r) => {
      if (!stuck || new URL(r.url).pathname !== "/stuck") return new Response("ok");
      return new Promise((resolve) => held.push(() => resolve(new Response("late"))));
    };
    // Each attempt may take a minute: without a per-target limit the stuck target fills every slot.
    const delivery = delivering(database, answer, {
      ...FAST,
      concurrency: 4,
      timeoutMs: 60_000,
    });
    try {
      await delivery.send("/stuck", 20);
      await eventually(() => held.length > 0 || undefined, { what: "the stuck target asked" });
      await delivery.send("/slack", 5);
      await delivery.send("/discord", 5);
      await eventually(() => delivery.receiver.accepted.size === 10 || undefined, {
        what: "the ten alerts to the two answering targets delivered",
        timeoutMs: 30_000,
      });
      assert.equal(held.length, 1, "one delivery at a time to the stuck target");
      // A delivery is recorded after its answer arrived: wait for the outbox to say so.
      const rows = await eventually(async () => {
        const all = await delivery.outbox.list({ limit: 500, offset: 0 });
        return all.filter((r) => r.status === "delivered").length === 10 ? all : undefined;
      }, { what: "the ten deliveries recorded in the outbox", timeoutMs: 30_000 });
      assert.equal(rows.filter((r) => r.status === "pending").length, 20);
    } finally {
      stuck = false;
      for (const release of held) release();
      await delivery.close();
      await database.dispose();
    }
  });
}
