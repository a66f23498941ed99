import { Hono } from "hono";
import {
  type BacktestJob,
  chartedFills,
  equitySvg,
  priceSvg,
  tradesTableHtml,
} from "../../engine/runtime/backtest/mod.ts";
import { DEFAULT_INITIAL_CAPITAL } from "../../contract/mod.ts";
import { ValidationError } from "../../engine/runtime/errors.ts";
import type { Service } from "../../engine/runtime/service.ts";
import { type PageDeps, renderPage } from "./render.tsx";
import { metricRows } from "../../presentation/metric_labels.ts";
import { DASHBOARD_CHART_THEME } from "../../presentation/chart_theme.ts";
import { Island } from "../../components/Island.tsx";
import DataFileField from "../../islands/DataFileField.tsx";
import { assertStorable, formBody } from "../api/errors.ts";
import { validBody } from "../api/operation.ts";
import { OPERATIONS } from "../../contract/operations.ts";

function Progress({ job }: { job: BacktestJob }) {
  return (
    <span class={`status ${job.status}`} data-testid="backtest-status">
      {job.status}
      {job.status === "running" || job.status === "queued"
        ? ` ${Math.round(job.progress * 100)} %`
        : ""}
    </span>
  );
}

function Form({ strategies, files, error }: {
  strategies: { id: string; name: string }[];
  files: string[];
  error?: string;
}) {
  return (
    <form method="post" action="/backtests" class="card" data-testid="backtest-form">
      <h2>New backtest</h2>
      {error ? <p class="error">{error}</p> : null}
      <label>
        Strategy{" "}
        <select name="strategy" required>
          {strategies.map((s) => <option key={s.id} value={s.id}>{s.name} ({s.id})</option>)}
        </select>
      </label>
      <Island name="DataFileField" component={DataFileField} props={{ files }} />
      <label>
        Symbol <input name="symbol" placeholder="from the file" />
      </label>
      <label>
        From <input name="from" placeholder="2026-01-01T00:00:00Z" />
      </label>
      <label>
        To <input name="to" placeholder="2026-01-02T00:00:00Z" />
      </label>
      <label>
        Capital <input name="capital" type="number" step="any" value={DEFAULT_INITIAL_CAPITAL} />
      </label>
      <label>
        Maker fee <input name="maker_fee" type="number" step="any" value="0.001" />
      </label>
      <label>
        Taker fee <input name="taker_fee" type="number" step="any" value="0.001" />
      </label>
      <label>
        Slippage (bps) <input name="slippage_bps" type="number" step="any" value="10" />
      </label>
      <button type="submit">Run backtest</button>
    </form>
  );
}

/** The form's fields as an API request body (empty fields left out). */
function requestOf(form: Record<string, unknown>): Record<string, unknown> {
  const text = (name: string) => {
    const value = String(form[name] ?? "").trim();
    return value === "" ? undefined : value;
  };
  const num = (name: string) => text(name) === undefined ? undefined : Number(text(name));
  const fees = { maker: num("maker_fee"), taker: num("taker_fee") };
  return {
    strategy: text("strategy"),
    data: text("data"),
    ...(text("symbol") ? { symbol: text("symbol") } : {}),
    ...(text("from") ? { from: text("from") } : {}),
    ...(text("to") ? { to: text("to") } : {}),
    ...(num("capital") !== undefined ? { initial_capital: num("capital") } : {}),
    fees: JSON.parse(JSON.stringify(fees)),
    ...(num("slippage_bps") !== undefined ? { slippage: num("slippage_bps") } : {}),
  };
}

/** `/backtests` (list and form) and `/backtests/:id` (result, or progress while running). */
export function backtestPages(service: PageDeps & Pick<Service, "backtests" | "strategies">): Hono {
  const jobs = service.backtests;
  const app = new Hono();

  const listPage = async (error?: string) => {
    const [{ backtests }, strategies, files] = await Promise.all([
      jobs.list({ limit: 100 }),
      service.strategies.list(),
      jobs.files.list(),
    ]);
    return renderPage(
      service,
      "Backtests",
      <>
        <h1>Backtests</h1>
        <Form strategies={strategies} files={files} error={error} />
        {backtests.length === 0
          ? <p class="muted">No backtests yet.</p>
          : (
            <table data-testid="backtest-list">
              <thead>
                <tr>
                  <th>Created</th>
                  <th>Strategy</th>
                  <th>Data</th>
                  <th>Status</th>
                </tr>
              </thead>
              <tbody>
                {backtests.map((job) => (
                  <tr>
                    <td>
                      <a href={`/backtests/${job.id}`}>{job.created_at}</a>
                    </td>
                    <td>{job.params.strategy.name}</td>
                    <td>{job.params.data.split("/").pop()}</td>
                    <td>
                      <Progress job={job} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
      </>,
    );
  };

  app.get("/backtests", async (c) => c.html(await listPage()));

  app.post("/backtests", async (c) => {
    try {
      const body = requestOf(await formBody(c));
      assertStorable(body);
      const job = await jobs.create(validBody(OPERATIONS.createBacktest.body, body));
      return c.redirect(`/backtests/${job.id}`, 303);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const details = error.details.map((d) => `${d.path ? `${d.path}: ` : ""}${d.message}`)
        .join("; ");
      return c.html(await listPage(`${error.message}: ${details}`), error.status);
    }
  });

  app.get("/backtests/:id", async (c) => {
    const job = await jobs.get(c.req.param("id"));
    const result = job.result;
    const running = job.status === "queued" || job.status === "running";
    return c.html(renderPage(
      service,
      `Backtest ${job.params.strategy.name}`,
      <>
        <h1>
          Backtest: {job.params.strategy.name} <Progress job={job} />
        </h1>
        <p class="muted">
          {job.params.data} · created {job.created_at}
          {job.finished_at ? ` · finished ${job.finished_at}` : ""}
        </p>
        {running
          ? (
            <>
              <progress max={1} value={job.progress} />
              <script
                dangerouslySetInnerHTML={{ __html: "setTimeout(() => location.reload(), 1000);" }}
              />
            </>
          )
          : null}
        {job.error ? <p class="error">{job.error}</p> : null}
        {result
          ? (
            <>
              <p class="muted">
                {result.symbol} · {result.events} events · {result.fills.length} fills
              </p>
              <table data-testid="backtest-metrics">
                {metricRows(result.metrics).map(({ label, value, hint }) => (
                  <tr key={label}>
                    <th>{label}</th>
                    <td class={hint ? "hint" : undefined} title={hint}>{value}</td>
                  </tr>
                ))}
              </table>
              <div
                data-testid="backtest-equity"
                dangerouslySetInnerHTML={{
                  __html: equitySvg(result.equity, DASHBOARD_CHART_THEME),
                }}
              />
              <div
                data-testid="backtest-prices"
                dangerouslySetInnerHTML={{
                  __html: priceSvg(result.prices, chartedFills(result), DASHBOARD_CHART_THEME),
                }}
              />
              <h2>Closed trades</h2>
              <div dangerouslySetInnerHTML={{ __html: tradesTableHtml(result.trades) }} />
            </>
          )
          : null}
      </>,
    ));
  });
  return app;
}
