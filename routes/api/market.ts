import { Hono } from "hono";
import type { MarketBook, MarketCandles, MarketTrades } from "../../contract/mod.ts";
import type { BookTop } from "../../engine/core/types.ts";
import { OPERATIONS } from "../../contract/operations.ts";
import { NotFoundError } from "../../engine/runtime/errors.ts";
import type { MarketHub } from "../../engine/runtime/market/mod.ts";
import { operations } from "./operation.ts";

/** A book as the API shows it (empty, with null ids, before one arrived). */
export function marketBook(symbol: string, book: BookTop | undefined): MarketBook {
  return {
    symbol,
    update_id: book?.updateId ?? null,
    time: book?.time ?? null,
    bids: book?.bids ?? [],
    asks: book?.asks ?? [],
  };
}

/** `/api/market/:symbol`: ticker, recent trades, candles and the L2 book from the hub's cache. */
export function marketRoutes(hub: MarketHub, symbols: () => readonly string[]): Hono {
  const app = new Hono();
  const on = operations(app, "/api/market");

  const symbolOf = (raw: string) => {
    const symbol = raw.toUpperCase();
    if (!symbols().includes(symbol)) {
      throw new NotFoundError(`unknown symbol '${raw}' (available: ${symbols().join(", ")})`);
    }
    return symbol;
  };

  on(
    OPERATIONS.symbols,
    (c) => c.json({ symbols: symbols().map((s) => hub.cache.ticker(s) ?? { symbol: s }) }),
  );

  on(OPERATIONS.ticker, (c, { path }) => {
    const symbol = symbolOf(path.symbol);
    const feed = hub.health().feed;
    return c.json({
      symbol,
      ...hub.cache.ticker(symbol),
      feed: {
        name: feed.name,
        simulated: feed.simulated,
        connected: feed.connected,
        reason: feed.reason,
      },
    });
  });

  on(OPERATIONS.marketTrades, (c, { path, query }) => {
    const symbol = symbolOf(path.symbol);
    return c.json({ symbol, trades: hub.cache.trades(symbol, query.limit) } satisfies MarketTrades);
  });

  on(OPERATIONS.marketBook, (c, { path, query }) => {
    const symbol = symbolOf(path.symbol);
    return c.json(marketBook(symbol, hub.cache.book(symbol, query.depth)));
  });

  on(OPERATIONS.marketCandles, (c, { path, query }) => {
    const symbol = symbolOf(path.symbol);
    return c.json(
      {
        symbol,
        timeframe: query.tf,
        candles: hub.cache.candles(symbol, query.tf, query.limit),
      } satisfies MarketCandles,
    );
  });

  return app;
}
