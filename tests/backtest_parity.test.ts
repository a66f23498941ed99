/**
 * Backtest/paper parity: one recorded stream through (a) the backtest and
 * (b) live paper sessions fed by the replay feed at maximum speed through the
 * whole service (hub → bus → worker → persister → database) gives identical
 * orders, fills, closed trades and metrics, for every example strategy.
 *
 * How the two sides are lined up:
 * - the replay feed is gated: it starts only after every session runs, so the
 *   workers see the stream from its first event;
 * - neither side pre-warms: the replay feed has no history before its
 *   position, and the backtest feeds none; indicators warm up on the stream;
 * - the stream ends with a trade a minute after the rest, which makes every
 *   session persist an effect (an equity sample) with its last trade; the test
 *   waits until each session's durable snapshot reaches that trade's time.
 */
import assert from "node:assert/strict";
import { resolveExecutionConfig } from "../engine/core/execution/mod.ts";
import { metricsOf } from "../engine/core/metrics/mod.ts";
import type { SessionSnapshot } from "../engine/core/session/mod.ts";
import type { RiskEvent } from "../engine/core/risk/mod.ts";
import { sql } from "../db/mod.ts";
import type { Trade } from "../engine/core/types.ts";
import { type FileBacktestResult, runBacktest } from "../engine/runtime/backtest/run.ts";
import type { SessionRecords } from "../engine/runtime/session_records.ts";
import { ReplayFeed } from "../engine/runtime/market/mod.ts";
import { validateStrategy } from "../engine/runtime/strategies.ts";
import { eventually, startTestServer } from "./support/server.ts";
import { simStream, writeStream } from "./support/backtest_stream.ts";
import { assertSettles } from "./support/wait.ts";

const EXAMPLES = [
  "ema_cross",
  "ema_cross_fast",
  "ema_cross_demo",
  "macd_trend",
  "rsi_reversion",
  "bollinger_breakout",
];
/** A strategy under a risk rule: after two losing round trips, no entries for 5 minutes. */
const RISKY = "ema_cross_fast+risk";
/** The examples and {@link RISKY}. */
const STRATEGIES = [...EXAMPLES, RISKY];

/** The document of an example, or of {@link RISKY}. */
async function sourceOf(name: string): Promise<string> {
  const example = name === RISKY ? "ema_cross_fast" : name;
  const source = await Deno.readTextFile(
    new URL(`../strategies/${example}.yaml`, import.meta.url),
  );
  return name === RISKY
    ? `${source}\nrisk: { max_consecutive_losses: 2, loss_cooldown_minutes: 5 }\n`
    : source;
}

/** Every item of a paged query. */
async function all<T>(
  page: (options: { limit: number; offset: number }) => Promise<{ items: T[]; total: number }>,
): Promise<T[]> {
  const items: T[] = [];
  for (let offset = 0;; offset += 1000) {
    const p = await page({ limit: 1000, offset });
    items.push(...p.items);
    if (items.length >= p.total || p.items.length === 0) return items;
  }
}

/** The session's stored fills, closed trades and orders are the backtest's, field by field. */
async function assertSameRecords(
  records: SessionRecords,
  id: string,
  backtest: FileBacktestResult,
  name: string,
): Promise<void> {
  const fills = await all((page) => records.fills(id, page));
  assert.deepEqual(
    fills.map((f) => ({ ...f, tag: f.tag ?? undefined })),
    backtest.fills.map((f) => ({ ...f, tag: f.tag ?? undefined })),
    `${name}: fills`,
  );
  const trades = await all((page) => records.closedTrades(id, page));
  assert.deepEqual(trades, plain(backtest.trades), `${name}: closed trades`);
  const orders = await all((page) => records.orders(id, page));
  const byId = (list: { id: string }[]) =>
    [...list].sort((a, b) => Number(a.id.replace(/\D/g, "")) - Number(b.id.replace(/\D/g, "")));
  assert.deepEqual(byId(orders), byId(plain(backtest.orders)), `${name}: orders`);
}

/** JSON round trip: what a stored document reads back as (undefined fields vanish). */
const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value));

for (const books of [false, true]) {
  Deno.test({
    name: `backtest and paper sessions on the replayed stream agree field by field${
      books ? " (with order books)" : ""
    }`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const dir = await Deno.makeTempDir();
      const file = `${dir}/BTCUSDT-stream.jsonl`;
      const lastTime = await writeStream(file, simStream({ durationMs: 6 * 3_600_000 }), { books });
      let release!: () => void;
      const gate = new Promise<void>((resolve) => release = resolve);
      const feed = new ReplayFeed(file, { speed: "max", gate });
      const server = await startTestServer({ feed, env: { SYMBOLS: "BTCUSDT" } });
      try {
        const ids: Record<string, string> = {};
        for (const name of STRATEGIES) {
          const response = await fetch(`${server.url}/api/paper_trading/sessions`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({
              strategy: name === RISKY ? await sourceOf(name) : name,
              symbol: "BTCUSDT",
            }),
          });
          assert.equal(response.status, 201, await response.clone().text());
          ids[name] = (await response.json()).id;
        }
        release();
        await feed.done;
        const { db, records, sessions } = server.service;
        for (const name of STRATEGIES) {
          await eventually(async () => {
            const rows = await db.query<{ state: SessionSnapshot }>(
              sql`select state from session_snapshots where session_id = ${ids[name]}`,
            );
            return rows[0]?.state.time === lastTime ? true : undefined;
          }, { timeoutMs: 60_000, what: `session ${name} to reach the end of the stream` });
        }

        for (const name of STRATEGIES) {
          const id = ids[name];
          const strategy = validateStrategy(await sourceOf(name));
          const backtest = await runBacktest(file, {
            strategy,
            execution: resolveExecutionConfig({ initial_cash: 10_000, allow_short: false }),
          });
          assert.ok(
            backtest.trades.length >= 1,
            `${name} closed no trade: make the stream livelier`,
          );
          assert.equal(backtest.books > 0, books, `${name}: the backtest read the books`);
          if (books) {
            const topOfBook = await runBacktest(file, {
              strategy,
              execution: resolveExecutionConfig({
                allow_short: false,
                fill_model: { book: "none" },
              }),
            });
            assert.notDeepEqual(
              topOfBook.fills.map((f) => f.price),
              backtest.fills.map((f) => f.price),
              `${name}: the book changes the fill prices`,
            );
          }

          await assertSameRecords(records, id, backtest, name);
          await assertSettles(
            () => sessions.metrics(id),
            backtest.metrics,
            `${name}: metrics`,
          );
          const riskEvents = (await db.query<{ payload: string }>(
            sql`select payload from session_events where session_id = ${id} and type = 'risk'
                order by seq`,
          )).map((r): RiskEvent => JSON.parse(r.payload));
          assert.deepEqual(riskEvents, plain(backtest.risk_events), `${name}: risk events`);
          if (name === RISKY) {
            const changes = backtest.risk_events.filter((e) => e.kind === "state");
            assert.ok(changes.length >= 2, `the loss streak rule fired ${changes.length} times`);
            assert.ok(backtest.risk_events.some((e) => e.kind === "refused"), "entries refused");
          }
          const snapshot = (await db.query<{ state: SessionSnapshot }>(
            sql`select state from session_snapshots where session_id = ${id}`,
          ))[0].state;
          assert.deepEqual(
            metricsOf(snapshot.metrics),
            backtest.metrics,
            `${name}: durable metrics`,
          );
        }
      } finally {
        await server.stop();
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}

/**
 * The example portfolio strategy, a variant where one symbol at a time may
 * hold a position, and the example pairs strategy (two legs, one short).
 */
const PORTFOLIO_STRATEGIES = (source: string, pairs: string) => ({
  portfolio_ema_cross: { source, allowShort: false },
  one_at_a_time: { source: source.replace("max_symbols: 3", "max_symbols: 1"), allowShort: false },
  pairs_spread: { source: pairs, allowShort: true },
});

Deno.test({
  name:
    "a backtest over two symbols and a live portfolio session on the same replayed stream agree field by field",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    const file = `${dir}/portfolio-stream.jsonl`;
    const start = Date.UTC(2026, 0, 1);
    const durationMs = 4 * 3_600_000;
    // ETH trades half a second after BTC: one time order, no ties to break. Its closing trade
    // comes two minutes after BTC's: the last event of the stream makes an effect (an equity sample).
    const eth = simStream({ symbol: "ETHUSDT", seed: 5, start: start + 500, durationMs });
    const closing = eth.pop() as Trade;
    eth.push({ ...closing, time: closing.time + 120_000 });
    const events = [...simStream({ symbol: "BTCUSDT", seed: 2, start, durationMs }), ...eth]
      .sort((a, b) => (a as Trade).time - (b as Trade).time);
    const lastTime = await writeStream(file, events);
    const source = await Deno.readTextFile(
      new URL("../strategies/portfolio_ema_cross.yaml", import.meta.url),
    );
    const strategies = PORTFOLIO_STRATEGIES(
      source,
      await Deno.readTextFile(new URL("../strategies/pairs_spread.yaml", import.meta.url)),
    );
    let release!: () => void;
    const gate = new Promise<void>((resolve) => release = resolve);
    const feed = new ReplayFeed(file, { speed: "max", gate });
    const server = await startTestServer({ feed, env: { SYMBOLS: "BTCUSDT,ETHUSDT" } });
    try {
      const ids: Record<string, string> = {};
      for (const [name, { source: strategy, allowShort }] of Object.entries(strategies)) {
        const response = await fetch(`${server.url}/api/paper_trading/sessions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            strategy,
            symbols: ["BTCUSDT", "ETHUSDT"],
            allow_short: allowShort,
          }),
        });
        assert.equal(response.status, 201, await response.clone().text());
        ids[name] = (await response.json()).id;
      }
      release();
      await feed.done;
      const { db, records, sessions } = server.service;
      for (const name of Object.keys(strategies)) {
        await eventually(async () => {
          const rows = await db.query<{ state: SessionSnapshot }>(
            sql`select state from session_snapshots where session_id = ${ids[name]}`,
          );
          return rows[0]?.state.time === lastTime ? true : undefined;
        }, { timeoutMs: 60_000, what: `portfolio session ${name} to reach the end of the stream` });
      }

      for (const [name, { source: strategySource, allowShort }] of Object.entries(strategies)) {
        const id = ids[name];
        const backtest = await runBacktest(
          [{ symbol: "BTCUSDT", path: file }, { symbol: "ETHUSDT", path: file }],
          {
            strategy: validateStrategy(strategySource),
            execution: resolveExecutionConfig({ initial_cash: 10_000, allow_short: allowShort }),
          },
        );
        const traded = new Set(backtest.trades.map((t) => t.symbol));
        assert.equal(traded.size, 2, `${name} traded ${[...traded]}: make the stream livelier`);

        await assertSameRecords(records, id, backtest, name);
        const perSymbol = Object.fromEntries(
          Object.entries(backtest.per_symbol!).map(([symbol, s]) => [symbol, s.metrics]),
        );
        await assertSettles(
          () => sessions.metrics(id),
          { ...backtest.metrics, per_symbol: perSymbol },
          `${name}: metrics, per symbol too`,
        );
      }
    } finally {
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
