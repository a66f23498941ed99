import type { Service } from "../../engine/runtime/service.ts";
import { Island } from "../../components/Island.tsx";
import DepthView from "../../islands/DepthView.tsx";
import EquityChart from "../../islands/EquityChart.tsx";
import FillsTable from "../../islands/FillsTable.tsx";
import PriceChart from "../../islands/PriceChart.tsx";
import SessionPanel from "../../islands/SessionPanel.tsx";
import SignalsTable, { type SignalEffect } from "../../islands/SignalsTable.tsx";
import RiskAudit from "../../islands/RiskAudit.tsx";
import { BOOK_DEPTH } from "../../contract/mod.ts";
import { marketBook } from "../api/market.ts";
import { latestFills } from "./overview.tsx";
import { type PageDeps, renderPage } from "./render.tsx";

/** Fills loaded for the table and the chart markers. */
const PAGE_FILLS = 200;
const TABLE_FILLS = 50;
const SIGNALS = 50;

/**
 * `/paper_trading/:id`: one session in full (charts, position, trades,
 * signals, risk audit, metrics, controls, the symbol's order book). Throws NotFoundError for an unknown id.
 */
export async function sessionPage(
  service: PageDeps & Pick<Service, "records" | "sessions" | "hub">,
  id: string,
): Promise<string> {
  const summary = await service.sessions.get(id);
  const [{ fills, total }, signals, riskEvents, samples, metrics] = await Promise.all([
    latestFills(service, id, PAGE_FILLS),
    service.records.signals(id, { limit: SIGNALS }),
    service.records.riskEvents(id, { limit: SIGNALS }),
    service.records.equity(id, { limit: 1000 }),
    service.sessions.metrics(id),
  ]);
  return renderPage(
    service,
    summary.name,
    <>
      <p class="crumbs">
        <a href="/paper_trading">← Sessions</a>
      </p>
      <Island name="SessionPanel" component={SessionPanel} props={{ summary, metrics }} />
      <div class="two charts">
        <Island
          name="PriceChart"
          component={PriceChart}
          props={{
            session_id: id,
            symbol: summary.symbol,
            symbols: [...summary.symbols],
            markers: fills.map((f) => ({
              time: f.time,
              price: f.price,
              side: f.side,
              symbol: f.symbol,
            })),
          }}
        />
        <Island
          name="EquityChart"
          component={EquityChart}
          props={{ session_id: id, initial_capital: summary.initial_capital, samples }}
        />
      </div>
      <div class="two">
        <Island
          name="FillsTable"
          component={FillsTable}
          props={{ session_id: id, fills: fills.slice(0, TABLE_FILLS), total }}
        />
        <Island
          name="SignalsTable"
          component={SignalsTable}
          props={{ session_id: id, signals: signals as SignalEffect[] }}
        />
      </div>
      <Island
        name="RiskAudit"
        component={RiskAudit}
        props={{ session_id: id, events: riskEvents }}
      />
      <Island
        name="DepthView"
        component={DepthView}
        props={{
          symbol: summary.symbol,
          book: marketBook(
            summary.symbol,
            service.hub.cache.book(summary.symbol, BOOK_DEPTH.fallback),
          ),
        }}
      />
    </>,
  );
}
