import { Hono } from "hono";
import type { Service } from "../../engine/runtime/service.ts";
import { renderPage } from "./render.tsx";
import { backtestPages } from "./backtests.tsx";
import { Island } from "../../components/Island.tsx";
import LiveTicker from "../../islands/LiveTicker.tsx";
import SessionCard from "../../islands/SessionCard.tsx";

/** Server-rendered dashboard pages. */
export function pageRoutes(service: Service): Hono {
  const app = new Hono();

  const overview = async () => {
    const { sessions } = await service.sessions.list({ limit: 50 });
    const cards = await Promise.all(sessions.map(async (s) => ({
      ...s,
      fills: (await service.records.fills(s.id, { limit: 1000 })).items.slice(-10).reverse(),
    })));
    return renderPage(
      service,
      "Sessions",
      (
        <>
          <section class="tickers">
            {service.config.symbols.map((symbol) => {
              const t = service.hub.cache.ticker(symbol);
              return (
                <Island
                  key={symbol}
                  name="LiveTicker"
                  component={LiveTicker}
                  props={{
                    symbol,
                    price: t?.price ?? null,
                    change_24h_percent: t?.change_24h_percent ?? null,
                  }}
                />
              );
            })}
          </section>
          <h1>Paper trading sessions</h1>
          {cards.length === 0 ? <p class="muted">No sessions yet.</p> : null}
          <div class="grid">
            {cards.map((s) => (
              <Island
                key={s.id}
                name="SessionCard"
                component={SessionCard}
                props={{
                  id: s.id,
                  name: s.name,
                  symbol: s.symbol,
                  status: s.status,
                  simulated: s.simulated,
                  initial_capital: s.initial_capital,
                  equity: s.equity,
                  last_price: s.last_price,
                  position: s.position,
                  fills: s.fills,
                }}
              />
            ))}
          </div>
        </>
      ),
    );
  };

  app.get("/", async (c) => c.html(await overview()));
  app.get("/paper_trading", async (c) => c.html(await overview()));
  app.route("/", backtestPages(service));
  return app;
}
