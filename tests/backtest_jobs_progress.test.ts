/** A backtest job whose progress writes the database refuses still finishes and stores its result. */
import assert from "node:assert/strict";
import { backtestInputSchema } from "../contract/schemas.ts";
import { BacktestJobs } from "../engine/runtime/backtest/jobs.ts";
import { StrategyStore } from "../engine/runtime/strategies.ts";
import type { Logger } from "../engine/runtime/log.ts";
import { simStream, writeStream } from "./support/backtest_stream.ts";
import { DATABASES } from "./support/databases.ts";

for (const kind of DATABASES) {
  Deno.test({
    name: `${kind.name}: refused progress writes are logged and counted, the job still finishes`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const dir = await Deno.makeTempDir();
      const { db, dispose } = await kind.open();
      try {
        await writeStream(`${dir}/BTCUSDT-stream.jsonl`, simStream({ durationMs: 3_600_000 }));
        // The database refuses every progress update of a running job (as a transient error would).
        await db.exec(`
          create function refuse_progress() returns trigger language plpgsql as $$
          begin
            if new.status = 'running' and new.progress is distinct from old.progress then
              raise exception 'progress refused';
            end if;
            return new;
          end $$;
          create trigger refuse_progress before update on backtests
            for each row execute function refuse_progress();`);
        const warnings: string[] = [];
        const log: Logger = {
          debug() {},
          info() {},
          warn: (message) => warnings.push(message),
          error: (message) => warnings.push(`error: ${message}`),
        };
        const strategies = new StrategyStore(db);
        await strategies.seedExamples();
        const jobs = new BacktestJobs({ db, strategies, backtestDir: dir, log });
        const job = await jobs.create(
          backtestInputSchema.parse({ strategy: "ema_cross", data: "BTCUSDT-stream.jsonl" }),
        );
        await jobs.idle();
        const done = await jobs.get(job.id);
        assert.equal(done.status, "done", done.error);
        assert.equal(done.progress, 1);
        assert.ok(done.result && done.result.events > 0);
        assert.ok(jobs.progressWriteErrors >= 1, "a progress write was attempted and refused");
        assert.equal(warnings.length, jobs.progressWriteErrors, warnings.join("\n"));
        assert.match(warnings[0], /progress could not be stored: .*progress refused/);
      } finally {
        await dispose();
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}
