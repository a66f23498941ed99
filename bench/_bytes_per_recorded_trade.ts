/**
 * Probe run by `bench/backtest.ts` in its own process (with `--expose-gc`):
 * prints the memory a recorded trade takes once held for replays, as event
 * objects and in an {@link EventTape} (what sweep workers hold), as
 * `{"objects": B, "tape": B}` measured from `Deno.memoryUsage()` (heap plus
 * external memory, after a full collection) over 1M trades.
 *
 * @module
 */
import type { Trade } from "../engine/core/types.ts";
import { EventTape } from "../engine/runtime/backtest/event_tape.ts";
import { simTrades } from "../fixtures/backtest_trades.ts";

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --v8-flags=--expose-gc");
const count = 1_000_000;
const used = () => {
  gc();
  const { heapUsed, external } = Deno.memoryUsage();
  return heapUsed + external;
};

let before = used();
let events: Trade[] | undefined = simTrades(count);
const objects = (used() - before) / count;
const tape = new EventTape();
before = used();
for (const event of events) tape.add(event);
tape.trim();
events = undefined; // only the tape stays
const held = (used() - before) / count;
// The objects were released in that window: count what the tape holds on top of them.
console.log(JSON.stringify({ objects, tape: held + objects, trades: tape.trades }));
