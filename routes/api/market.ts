import { Hono } from "hono";
import { CANDLE_LIMIT, MARKET_TRADES_LIMIT } from "../../contract/mod.ts";
import { type Timeframe, TIMEFRAMES } from "../../engine/core/types.ts";
import { NotFoundError, ValidationError } from "../../engine/runtime/errors.ts";
import type { MarketHub } from "../../engine/runtime/market/mod.ts";
import { intQuery } from "./errors.ts";

/** `/api/market/:symbol`: ticker, recent trades and candles from the hub's cache. */
export function marketRoutes(hub: MarketHub, symbols: () => readonly string[]): Hono {
  const app = new Hono();

  const symbolOf = (raw: string) => {
    const symbol = raw.toUpperCase();
    if (!symbols().includes(symbol)) {
      throw new NotFoundError(`unknown symbol '${raw}' (available: ${symbols().join(", ")})`);
    }
    return symbol;
  };

  app.get(
    "/",
    (c) => c.json({ symbols: symbols().map((s) => hub.cache.ticker(s) ?? { symbol: s }) }),
  );

  app.get("/:symbol", (c) => {
    const symbol = symbolOf(c.req.param("symbol"));
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

  app.get("/:symbol/trades", (c) => {
    const symbol = symbolOf(c.req.param("symbol"));
    const limit = intQuery(c, "limit", MARKET_TRADES_LIMIT);
    return c.json({ symbol, trades: hub.cache.trades(symbol, limit) });
  });

  app.get("/:symbol/candles", (c) => {
    const symbol = symbolOf(c.req.param("symbol"));
    const tf = c.req.query("tf") ?? "1m";
    if (!(TIMEFRAMES as readonly string[]).includes(tf)) {
      throw new ValidationError("invalid query parameter 'tf'", [{
        path: "tf",
        message: `'${tf}' is not one of ${TIMEFRAMES.join(", ")}`,
      }]);
    }
    const limit = intQuery(c, "limit", CANDLE_LIMIT);
    return c.json({
      symbol,
      timeframe: tf,
      candles: hub.cache.candles(symbol, tf as Timeframe, limit),
    });
  });

  return app;
}
