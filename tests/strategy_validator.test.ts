import assert from "node:assert/strict";
import { ServiceUnavailableError } from "../engine/runtime/errors.ts";
import { validateRequest } from "../engine/runtime/strategy_validation.ts";
import { StrategyValidator } from "../engine/runtime/strategy_validator.ts";
import { chainYaml } from "../fixtures/strategy_documents.ts";

const EXAMPLE = await Deno.readTextFile(new URL("../strategies/macd_trend.yaml", import.meta.url));

/** Settles within `ms` or fails naming `what` (every wait in a test has an outcome). */
async function within<T>(promise: Promise<T>, what: string, ms = 60_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

Deno.test("a worker validates as the main thread would, sizing override included", async () => {
  const validator = new StrategyValidator();
  try {
    const requests = [
      { document: EXAMPLE },
      { document: EXAMPLE, sizing: { type: "fixed_quantity", value: 2 } },
      { document: EXAMPLE, sizing: { type: "nope" } },
      { document: JSON.parse(JSON.stringify(validateRequest({ document: EXAMPLE }))).strategy },
      { document: chainYaml(40) },
      { document: "version: [" },
    ];
    for (const request of requests) {
      const inWorker = await within(validator.validate(request), "a validation");
      assert.deepEqual(inWorker, validateRequest(request));
    }
    assert.equal(validator.workers, 1, "one worker, reused");
  } finally {
    validator.close();
  }
});

Deno.test("a document that finds no worker in time is refused with 503", async () => {
  const validator = new StrategyValidator({ waitMs: 1 });
  try {
    const refused = await within(
      validator.validate({ document: EXAMPLE }).then(() => undefined, (error) => error),
      "the refusal",
    );
    assert.ok(refused instanceof ServiceUnavailableError, String(refused));
    assert.match(refused.message, /no worker took the document within 1 ms/);
  } finally {
    validator.close();
  }
});

Deno.test("a document not validated in time is refused with 503 and its worker stopped", async () => {
  const validator = new StrategyValidator({ timeoutMs: 1, cpuShare: () => 1 });
  try {
    const refused = await within(
      validator.validate({ document: chainYaml(250) }).then(() => undefined, (error) => error),
      "the refusal",
    );
    assert.ok(refused instanceof ServiceUnavailableError, String(refused));
    assert.match(refused.message, /did not finish within 1 ms/);
    assert.equal(validator.workers, 0, "the worker that ran out of time is gone");
  } finally {
    validator.close();
  }
});

Deno.test("a validation starved of the cores has its time limit stretched by its share of a core", async () => {
  // Refused in 1 ms of a whole core (the test above); given a ten-thousandth of a core,
  // the same 1 ms lasts 10 s of wall time, and the same document is validated.
  const validator = new StrategyValidator({ timeoutMs: 1, cpuShare: () => 1e-4 });
  try {
    const request = { document: chainYaml(250) };
    const outcome = await within(validator.validate(request), "the starved validation");
    assert.deepEqual(outcome, validateRequest(request));
    assert.equal(validator.workers, 1, "the worker was kept");
  } finally {
    validator.close();
  }
});

Deno.test("documents beyond the queue are refused at once; closing refuses the waiting ones", async () => {
  // The worker is still loading: both documents wait for it.
  const validator = new StrategyValidator({ workers: 1, maxQueued: 2 });
  const running = validator.validate({ document: EXAMPLE }).then(() => "validated", String);
  const waiting = validator.validate({ document: EXAMPLE }).then(() => "validated", String);
  const refused = await validator.validate({ document: EXAMPLE }).then(() => undefined, (e) => e);
  assert.ok(refused instanceof ServiceUnavailableError);
  assert.match(refused.message, /busy \(2 documents waiting\)/);
  validator.close();
  assert.match(await within(running, "the running validation"), /shut down/);
  assert.match(await within(waiting, "the waiting validation"), /shut down/);
  assert.equal(validator.workers, 0);
});
