import assert from "node:assert/strict";
import { loadMigrations, migrate, sql } from "../db/mod.ts";
import { createServerDatabase, DATABASES } from "./support/databases.ts";

for (const kind of DATABASES) {
  Deno.test(`${kind.name}: migrations are applied once and recorded`, async () => {
    const { db, dispose } = await kind.open();
    try {
      const ids = (await loadMigrations()).map((m) => m.id);
      assert.ok(ids.length > 0);
      const rows = await db.query<{ id: string }>(
        sql`select id from schema_migrations order by id`,
      );
      assert.deepEqual(rows.map((r) => r.id), ids);
      assert.deepEqual(await migrate(db), [], "a second run applies nothing");
      await Promise.all([migrate(db), migrate(db)]);
      const count = await db.query<{ n: number }>(
        sql`select count(*)::int as n from schema_migrations`,
      );
      assert.equal(count[0].n, ids.length);
    } finally {
      await dispose();
    }
  });

  Deno.test(`${kind.name}: backtests stored with server paths or as JSON strings are repaired`, async () => {
    const { db, dispose } = await kind.open();
    try {
      const old = {
        params: { data: "/home/trader/data/recordings/BTCUSDT-1m-2025-01-01.csv", symbol: "X" },
        result: { data: "/home/trader/data/recordings/BTCUSDT-1m-2025-01-01.csv", events: 3 },
      };
      await db.query(sql`insert into backtests (id, status, params, result, error)
        values ('old', 'failed', ${JSON.stringify(old.params)}::text::jsonb,
          ${JSON.stringify(old.result)}::text::jsonb,
          ${"no market events in '/home/trader/data/x/BTCUSDT.jsonl' for BTCUSDT"})`);
      // As the service stored them on a PostgreSQL server before: JSON documents as JSON strings.
      const relative = { params: { data: "uploads/1/a.jsonl" }, result: { data: "a.jsonl" } };
      await db.query(sql`insert into backtests (id, status, params, result, error)
        values ('new', 'done', to_jsonb(${JSON.stringify(relative.params)}::text),
          to_jsonb(${JSON.stringify(relative.result)}::text), null)`);
      const script = (await loadMigrations()).find((m) => m.id === "0003_backtest_relative_paths")!;
      await db.exec(script.script);
      const rows = await db.query<
        { id: string; params: { data: string }; result: { data: string }; error: string | null }
      >(sql`select id, params, result, error from backtests order by id`);
      assert.deepEqual(rows.map((r) => [r.id, r.params.data, r.result.data, r.error]), [
        ["new", "uploads/1/a.jsonl", "a.jsonl", null],
        [
          "old",
          "BTCUSDT-1m-2025-01-01.csv",
          "BTCUSDT-1m-2025-01-01.csv",
          "no market events in 'BTCUSDT.jsonl' for BTCUSDT",
        ],
      ]);
    } finally {
      await dispose();
    }
  });

  Deno.test(`${kind.name}: parameters are bound, transactions roll back on error`, async () => {
    const { db, dispose } = await kind.open();
    try {
      const name = "x'); drop table strategies; --";
      await db.query(
        sql`insert into strategies (id, name, version, source) values (${"s1"}, ${name}, ${1}, ${"{}"})`,
      );
      const rows = await db.query<{ name: string }>(
        sql`select name from strategies where id = ${"s1"}`,
      );
      assert.equal(rows[0].name, name);
      await assert.rejects(db.transaction(async (tx) => {
        await tx.query(sql`update strategies set name = ${"changed"} where id = ${"s1"}`);
        throw new Error("abort");
      }));
      const after = await db.query<{ name: string }>(
        sql`select name from strategies where id = ${"s1"}`,
      );
      assert.equal(after[0].name, name);
    } finally {
      await dispose();
    }
  });
}

const ROOT = new URL("../", import.meta.url);

/** Runs `deno task db:migrate` with `env`; fails the test if it has not ended within 60 s. */
async function migrateTask(env: Record<string, string>): Promise<{ code: number; stdout: string }> {
  const command = new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", "db:migrate"],
    cwd: ROOT,
    env: { DATABASE_URL: "", DATA_DIR: "", ...env },
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  });
  const { code, signal, stdout, stderr } = await command.output();
  assert.equal(signal, null, "deno task db:migrate did not end within 60 s");
  assert.equal(code, 0, `deno task db:migrate failed: ${new TextDecoder().decode(stderr)}`);
  return { code, stdout: new TextDecoder().decode(stdout) };
}

/** The task applies every migration to an empty database, prints them, then finds nothing to do. */
async function assertTaskMigrates(env: Record<string, string>, where: RegExp): Promise<void> {
  const ids = (await loadMigrations()).map((m) => m.id);
  const first = await migrateTask(env);
  assert.match(first.stdout, where);
  assert.match(first.stdout, new RegExp(`applied ${ids.length} migration`));
  assert.deepEqual(first.stdout.trim().split("\n").slice(1), ids, "every applied id is printed");
  const second = await migrateTask(env);
  assert.match(second.stdout, /: up to date$/m, "a second run applies nothing");
}

Deno.test("deno task db:migrate migrates the embedded database under DATA_DIR", async () => {
  const dir = await Deno.makeTempDir({ prefix: "paper_migrate_" });
  try {
    await assertTaskMigrates({ DATA_DIR: dir }, new RegExp(`embedded PGlite at ${dir}/pglite`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "deno task db:migrate migrates the PostgreSQL server at DATABASE_URL",
  ignore: !DATABASES.some((kind) => kind.name === "postgres"),
  async fn() {
    const server = await createServerDatabase();
    try {
      await assertTaskMigrates({ DATABASE_URL: server.url }, /^PostgreSQL at 127\.0\.0\.1:5432\//);
    } finally {
      await server.drop();
    }
  },
});
