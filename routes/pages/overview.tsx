import type { Service } from "../../engine/runtime/service.ts";
import { Island } from "../../components/Island.tsx";
import LiveTicker from "../../islands/LiveTicker.tsx";
import NewSessionForm from "../../islands/NewSessionForm.tsx";
import SessionList, { LISTED } from "../../islands/SessionList.tsx";
import { type PageDeps, renderPage } from "./render.tsx";

/** Latest fills per session card. */
const CARD_FILLS = 5;

/** The latest `limit` fills of a session, newest first. */
export async function latestFills(service: Pick<Service, "records">, id: string, limit: number) {
  const { total } = await service.records.fills(id, { limit: 1 });
  const { items } = await service.records.fills(id, {
    limit,
    offset: Math.max(0, total - limit),
  });
  return { fills: items.reverse(), total };
}

/** `/` and `/paper_trading`: tickers, the new-session form and the newest sessions, live. */
export async function overviewPage(
  service: PageDeps & Pick<Service, "records" | "sessions" | "strategies" | "hub">,
): Promise<string> {
  const [{ sessions }, strategies] = await Promise.all([
    service.sessions.list({ limit: LISTED }),
    service.strategies.list(),
  ]);
  const cards = await Promise.all(sessions.map(async (summary) => ({
    summary,
    fills: (await latestFills(service, summary.id, CARD_FILLS)).fills,
  })));
  const symbols = [...service.config.symbols];
  return renderPage(
    service,
    "Sessions",
    <>
      <section class="tickers" data-testid="tickers">
        {symbols.map((symbol) => {
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
      <div class="overview">
        <div class="sessions-col">
          <h1>Paper trading sessions</h1>
          <Island name="SessionList" component={SessionList} props={{ sessions: cards }} />
        </div>
        <aside class="form-col">
          <Island
            name="NewSessionForm"
            component={NewSessionForm}
            props={{
              strategies: strategies.map((s) => ({ id: s.id, name: s.name })),
              symbols,
              // The demo's strategy: it shows the product without bleeding to costs.
              selected: strategies.some((s) => s.id === "ema_cross_demo")
                ? "ema_cross_demo"
                : undefined,
            }}
          />
        </aside>
      </div>
    </>,
  );
}
