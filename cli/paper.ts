/**
 * `deno task paper COMMAND`: start, list, inspect and control paper trading
 * sessions of a running service through its REST API.
 *
 * Commands: start, list, status, pause, resume, order, cancel, close, stop,
 * trades, metrics, risk, account, alerts. Every
 * command accepts `--url`, `--json` and `--help`; see docs/cli.md.
 */
import {
  type AccountRisk,
  ALERT_LIST_LIMIT,
  ALERT_STATUSES,
  type AlertPage,
  DEFAULT_INITIAL_CAPITAL,
  type Fill,
  MAX_FEE_RATE,
  MAX_INITIAL_CAPITAL,
  MAX_SLIPPAGE_BPS,
  type Metrics,
  MIN_INITIAL_CAPITAL,
  type Order,
  type Page,
  RECORD_LIMIT,
  type RiskLimits,
  SESSION_LIST_LIMIT,
  type SessionPage,
  type SessionRisk,
  type SessionSummary as Session,
  type StoppedSession,
} from "../contract/mod.ts";
import { numberOption, pageOptions, pageQuery, requiredString, UsageError } from "./_args.ts";
import { type Column, countLine, fields, table } from "./_format.ts";
import {
  ALERT_COLUMNS,
  alertCells,
  decimal,
  metricRows,
  money,
  riskEventText,
  signedPercent,
  time,
  tradingState,
} from "../presentation/mod.ts";
import type { ApiClient } from "./_client.ts";
import { type Command, printJson, type Program, runProgram } from "./_program.ts";
import { strategyReference } from "./_strategy_file.ts";

const SESSIONS = "/paper_trading/sessions";

/** A whole session id (the service names sessions by UUID). */
const WHOLE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The session `id` names: a whole id as it is, or the start of one (as `git`
 * takes a commit's), when exactly one session's id starts with it; an error
 * saying so when none or several do.
 */
async function sessionId(api: ApiClient, id: string): Promise<string> {
  if (id === "") throw new UsageError("the session id is empty");
  return WHOLE_ID.test(id) ? id : await idWithPrefix(api, id);
}

/** The API path of the session `id` names (see {@link sessionId}), with `suffix`. */
async function sessionPath(api: ApiClient, id: string, suffix = ""): Promise<string> {
  return `${SESSIONS}/${encodeURIComponent(await sessionId(api, id))}${suffix}`;
}

/** The one session id that starts with `prefix` (see {@link sessionId}). */
async function idWithPrefix(api: ApiClient, prefix: string): Promise<string> {
  const matches: string[] = [];
  const start = prefix.toLowerCase();
  const limit = SESSION_LIST_LIMIT.max;
  for (let offset = 0;; offset += limit) {
    const page = await api.json<SessionPage>("GET", SESSIONS, { query: { limit, offset } });
    for (const s of page.sessions) {
      if (s.id.toLowerCase().startsWith(start)) matches.push(s.id);
    }
    if (page.sessions.length < limit || offset + limit >= page.total) break;
  }
  if (matches.length === 1) return matches[0];
  throw new Error(
    matches.length === 0
      ? `no session with id '${prefix}' (nor one whose id starts with it; \`paper list\` shows the ids)`
      : `'${prefix}' is the start of ${matches.length} session ids (${
        matches.slice(0, 5).join(", ")
      }${matches.length > 5 ? ", …" : ""}): give more of the id`,
  );
}

/** Where the session's market data comes from, with simulated data marked. */
function dataLabel(session: Session): string {
  return session.simulated ? `SIMULATED (feed: ${session.feed})` : `live (feed: ${session.feed})`;
}

function sessionFields(session: Session): string {
  const pairs: [string, string][] = [
    ["Session", session.id],
    ["Name", session.name],
    ["Strategy", session.strategy_id ?? "(inline)"],
    [session.per_symbol ? "Symbols" : "Symbol", session.symbols.join(", ")],
    ["Status", session.status],
    ["Trading", tradingState(session.risk)],
    ["Data", dataLabel(session)],
    ["Created", time(session.created_at)],
  ];
  if (session.last_error) pairs.push(["Last error", session.last_error]);
  if (session.warmup && session.warmup.done < session.warmup.total) {
    pairs.push(["Warm-up", `${session.warmup.done} / ${session.warmup.total} candles`]);
  }
  const { quantity, avg_price } = session.position;
  pairs.push(
    ["Initial capital", money(session.initial_capital)],
    ["Equity", money(session.equity)],
    ["Cash", money(session.cash)],
    ["Free cash", money(session.free_cash)],
    ["P&L", `${money(session.pnl)} (${signedPercent(session.total_return)})`],
    ["Realized P&L", money(session.realized_pnl)],
    ["Unrealized P&L", money(session.unrealized_pnl)],
  );
  if (!session.per_symbol) {
    pairs.push(
      ["Position", positionText(quantity, avg_price)],
      ["Last price", decimal(session.last_price)],
    );
  }
  pairs.push(
    ["Fills", String(session.fill_count)],
    ["Closed trades", String(session.trade_count)],
    ["Conflicts", String(session.conflicts)],
    ["Restarts", String(session.restarts)],
  );
  const perSymbol = session.per_symbol ? `\n\n${symbolTable(session.per_symbol)}` : "";
  return fields(pairs) + perSymbol;
}

function positionText(quantity: number, avgPrice: number): string {
  return quantity === 0 ? "flat" : `${decimal(quantity)} @ ${decimal(avgPrice)}`;
}

/** A portfolio's positions, orders and P&L, one row per symbol. */
function symbolTable(perSymbol: NonNullable<Session["per_symbol"]>): string {
  const columns: Column[] = [
    { header: "SYMBOL" },
    { header: "POSITION" },
    { header: "LAST", right: true },
    { header: "REALIZED", right: true },
    { header: "UNREALIZED", right: true },
    { header: "ORDERS", right: true },
    { header: "FILLS", right: true },
    { header: "TRADES", right: true },
  ];
  return table(
    columns,
    Object.entries(perSymbol).map(([symbol, s]) => [
      symbol,
      positionText(s.position.quantity, s.position.avg_price),
      decimal(s.last_price),
      money(s.realized_pnl),
      money(s.unrealized_pnl),
      String(s.open_orders),
      String(s.fill_count),
      String(s.trade_count),
    ]),
  );
}

function metricsFields(metrics: Metrics): string {
  // A missing value says why, as on the dashboard.
  return fields(
    metricRows(metrics).map((
      { label, value, hint },
    ) => [label, hint ? `${value}  ${hint}` : value]),
  );
}

function sessionTable(sessions: readonly Session[]): string {
  const columns: Column[] = [
    { header: "ID" },
    { header: "NAME" },
    { header: "SYMBOL" },
    { header: "STATUS" },
    { header: "DATA" },
    { header: "EQUITY", right: true },
    { header: "P&L", right: true },
    { header: "RETURN", right: true },
    { header: "FILLS", right: true },
    { header: "CREATED" },
  ];
  return table(
    columns,
    sessions.map((s) => [
      s.id,
      s.name,
      s.symbols.join(","),
      s.status,
      s.simulated ? "SIMULATED" : "live",
      money(s.equity),
      money(s.pnl),
      signedPercent(s.total_return),
      String(s.fill_count),
      time(s.created_at),
    ]),
  );
}

function fillTable(fills: readonly Fill[]): string {
  const columns: Column[] = [
    { header: "TIME" },
    { header: "SYMBOL" },
    { header: "SIDE" },
    { header: "PRICE", right: true },
    { header: "QUANTITY", right: true },
    { header: "NOTIONAL", right: true },
    { header: "FEE", right: true },
    { header: "LIQUIDITY" },
    { header: "SLIPPAGE", right: true },
    { header: "TAG" },
  ];
  return table(
    columns,
    fills.map((f) => [
      time(f.time),
      f.symbol,
      f.side,
      decimal(f.price),
      decimal(f.quantity),
      money(f.price * f.quantity),
      money(f.fee, { maxDigits: 4 }),
      f.liquidity,
      money(f.slippage, { maxDigits: 4 }),
      f.tag ?? "",
    ]),
  );
}

const ID = ["ID"] as const;

/** A command that pauses or resumes a session and prints its new status. */
function controlCommand(
  name: "pause" | "resume",
  summary: string,
): Command {
  return {
    name,
    summary,
    args: ID,
    options: {},
    async run({ args, json, client }) {
      const id = args.positionals[0];
      const session = await client().json<Session>(
        "POST",
        await sessionPath(client(), id, `/${name}`),
      );
      if (json) return printJson(session);
      console.log(`session ${session.id} is ${session.status}`);
    },
  };
}

const start: Command = {
  name: "start",
  summary: "Start a paper trading session",
  args: [],
  synopsis: "--strategy ID|FILE --symbol SYMBOL[,SYMBOL...] [options]",
  options: {
    strategy: {
      type: "string",
      value: "ID|FILE",
      description: "a stored strategy id, or a local YAML/JSON file sent inline",
    },
    symbol: {
      type: "string",
      value: "SYMBOL[,SYMBOL...]",
      description:
        "symbol to trade, e.g. BTCUSDT; several separated by commas make a portfolio (one wallet)",
    },
    capital: {
      type: "string",
      value: "AMOUNT",
      description: `initial capital (default ${DEFAULT_INITIAL_CAPITAL})`,
    },
    name: { type: "string", value: "NAME", description: "session name (default: strategy name)" },
    "allow-short": { type: "boolean", description: "allow short positions" },
    "maker-fee": { type: "string", value: "F", description: "maker fee rate, e.g. 0.001" },
    "taker-fee": { type: "string", value: "F", description: "taker fee rate, e.g. 0.001" },
    "slippage-bps": {
      type: "string",
      value: "N",
      description: "fixed slippage in basis points",
    },
  },
  async run({ args, json, client }) {
    const reference = await strategyReference(requiredString(args, "strategy"));
    const symbols = requiredString(args, "symbol").toUpperCase().split(",").map((s) => s.trim());
    const capital = numberOption(args, "capital", {
      min: MIN_INITIAL_CAPITAL,
      max: MAX_INITIAL_CAPITAL,
    });
    const maker = numberOption(args, "maker-fee", { min: 0, max: MAX_FEE_RATE });
    const taker = numberOption(args, "taker-fee", { min: 0, max: MAX_FEE_RATE });
    const slippage = numberOption(args, "slippage-bps", { min: 0, max: MAX_SLIPPAGE_BPS });
    const body = {
      strategy: reference.kind === "file" ? reference.source : reference.id,
      ...(symbols.length > 1 ? { symbols } : { symbol: symbols[0] }),
      ...(capital === undefined ? {} : { initial_capital: capital }),
      ...(args.values.name === undefined ? {} : { name: args.values.name }),
      allow_short: args.values["allow-short"] === true,
      ...(maker === undefined && taker === undefined ? {} : {
        fees: {
          ...(maker === undefined ? {} : { maker }),
          ...(taker === undefined ? {} : { taker }),
        },
      }),
      ...(slippage === undefined ? {} : { slippage: { model: "fixed", bps: slippage } }),
    };
    // One key for every attempt: a start whose answer was lost is not started twice.
    const session = await client().json<Session>("POST", SESSIONS, {
      json: body,
      idempotencyKey: crypto.randomUUID(),
    });
    if (json) return printJson(session);
    console.log(`started session ${session.id}\n\n${sessionFields(session)}`);
  },
};

const list: Command = {
  name: "list",
  summary: "List sessions, newest first",
  args: [],
  synopsis: "[--status STATUS] [--limit N] [--offset N]",
  options: {
    status: {
      type: "string",
      value: "STATUS",
      description: "only sessions in this status (running, paused, stopped, failed, …)",
    },
    ...pageOptions("sessions", SESSION_LIST_LIMIT),
  },
  async run({ args, json, client }) {
    const page = await client().json<SessionPage>(
      "GET",
      SESSIONS,
      {
        query: {
          status: args.values.status as string | undefined,
          ...pageQuery(args, SESSION_LIST_LIMIT),
        },
      },
    );
    if (json) return printJson(page);
    if (page.sessions.length === 0) {
      console.log(
        page.total === 0 ? "no sessions" : `no sessions on this page (${page.total} in all)`,
      );
      return;
    }
    console.log(sessionTable(page.sessions));
    console.log(`\n${countLine(page.offset, page.sessions.length, page.total, "session")}`);
  },
};

const status: Command = {
  name: "status",
  summary: "Show a session's state: status, equity, position, P&L",
  args: ID,
  options: {},
  async run({ args, json, client }) {
    const session = await client().json<Session>(
      "GET",
      await sessionPath(client(), args.positionals[0]),
    );
    if (json) return printJson(session);
    console.log(sessionFields(session));
  },
};

const stop: Command = {
  name: "stop",
  summary: "Stop a session and print its final metrics",
  args: ID,
  synopsis: "[--flatten]",
  options: {
    flatten: {
      type: "boolean",
      description: "close the position at market and cancel its orders first",
    },
  },
  async run({ args, json, client }) {
    const result = await client().json<StoppedSession>(
      "DELETE",
      await sessionPath(client(), args.positionals[0]),
      { json: { flatten: args.values.flatten === true } },
    );
    if (json) return printJson(result);
    const { quantity, avg_price } = result.position;
    const left = result.position_left_open
      ? `\n\nposition left open: ${decimal(quantity)} @ ${
        decimal(avg_price)
      } (paper close cannot reach a stopped session; stop with --flatten to close first)`
      : "";
    console.log(
      `stopped session ${result.id}${left}\n\n${sessionFields(result)}\n\nFinal metrics\n\n${
        metricsFields(result.metrics)
      }`,
    );
  },
};

const POSITIVE = { min: Number.MIN_VALUE };

const order: Command = {
  name: "order",
  summary: "Place a manual order (tagged manual) through the session's execution path",
  args: ["ID", "SIDE"],
  synopsis:
    "buy|sell (--quantity Q | --notional N) [--symbol S] [--type T] [--price P] [--stop-price P] [--stop-loss P] [--take-profit P]",
  options: {
    symbol: {
      type: "string",
      value: "S",
      description: "the symbol to trade (required in a portfolio session)",
    },
    quantity: { type: "string", value: "Q", description: "base quantity" },
    notional: { type: "string", value: "N", description: "quote amount instead of a quantity" },
    type: {
      type: "string",
      value: "T",
      description: "market (default), limit, stop_market or stop_limit",
    },
    price: { type: "string", value: "P", description: "limit price" },
    "stop-price": { type: "string", value: "P", description: "trigger price" },
    "stop-loss": { type: "string", value: "P", description: "bracket stop-loss price" },
    "take-profit": { type: "string", value: "P", description: "bracket take-profit price" },
  },
  async run({ args, json, client }) {
    const [id, side] = args.positionals;
    if (side !== "buy" && side !== "sell") {
      throw new UsageError(`SIDE must be buy or sell, got '${side}'`);
    }
    const number = (name: string) => numberOption(args, name, POSITIVE);
    const stopLoss = number("stop-loss");
    const takeProfit = number("take-profit");
    const body = {
      symbol: args.values.symbol,
      side,
      type: args.values.type ?? "market",
      quantity: number("quantity"),
      notional: number("notional"),
      price: number("price"),
      stop_price: number("stop-price"),
      ...(stopLoss ?? takeProfit
        ? { bracket: { stop_loss: stopLoss, take_profit: takeProfit } }
        : {}),
    };
    const placed = await client().json<Order>("POST", await sessionPath(client(), id, "/orders"), {
      json: body,
    });
    if (json) return printJson(placed);
    console.log(
      `order ${placed.id} ${placed.side} ${placed.type} ${
        decimal(placed.quantity)
      }: ${placed.status}${
        placed.filled_qty > 0
          ? ` (${decimal(placed.filled_qty)} @ ${decimal(placed.avg_price)})`
          : ""
      }`,
    );
  },
};

const cancel: Command = {
  name: "cancel",
  summary: "Cancel one open order of a session",
  args: ["ID", "ORDER_ID"],
  options: {},
  async run({ args, json, client }) {
    const [id, orderId] = args.positionals;
    const session = await client().json<Session>(
      "DELETE",
      await sessionPath(client(), id, `/orders/${encodeURIComponent(orderId)}`),
    );
    if (json) return printJson(session);
    console.log(`cancelled order ${orderId} of session ${session.id}`);
  },
};

const close: Command = {
  name: "close",
  summary: "Force exit: cancel a session's open orders and flatten its position at market",
  args: ID,
  synopsis: "[--symbol S]",
  options: {
    symbol: {
      type: "string",
      value: "S",
      description: "in a portfolio session, close only this symbol's position and orders",
    },
  },
  async run({ args, json, client }) {
    const symbol = args.values.symbol;
    const query = typeof symbol === "string" ? `?symbol=${encodeURIComponent(symbol)}` : "";
    const session = await client().json<Session>(
      "POST",
      await sessionPath(client(), args.positionals[0], `/close${query}`),
    );
    if (json) return printJson(session);
    const shown = typeof symbol === "string" ? symbol.toUpperCase() : undefined;
    const position = (shown && session.per_symbol?.[shown]?.position) || session.position;
    console.log(
      `closed ${shown ? `${shown} in ` : ""}session ${session.id}: position ${
        position.quantity === 0 ? "flat" : decimal(position.quantity)
      }`,
    );
  },
};

const trades: Command = {
  name: "trades",
  summary: "List a session's fills, oldest first",
  args: ID,
  synopsis: "[--limit N] [--offset N] [--csv]",
  options: {
    ...pageOptions("fills", RECORD_LIMIT),
    csv: { type: "boolean", description: "print every fill as CSV (ignores --limit/--offset)" },
  },
  async run({ args, json, client }) {
    const id = args.positionals[0];
    if (args.values.csv) {
      if (json) throw new UsageError("--csv and --json cannot be used together");
      const csv = await client().text("GET", await sessionPath(client(), id, "/trades"), {
        query: { format: "csv" },
      });
      await Deno.stdout.write(new TextEncoder().encode(csv));
      return;
    }
    const page = await client().json<Page<Fill>>(
      "GET",
      await sessionPath(client(), id, "/trades"),
      {
        query: {
          ...pageQuery(args, RECORD_LIMIT),
        },
      },
    );
    if (json) return printJson(page);
    if (page.items.length === 0) {
      console.log(
        page.total === 0 ? "no fills yet" : `no fills on this page (${page.total} in all)`,
      );
      return;
    }
    console.log(fillTable(page.items));
    console.log(`\n${countLine(page.offset, page.items.length, page.total, "fill")}`);
  },
};

const metrics: Command = {
  name: "metrics",
  summary: "Show a session's performance metrics",
  args: ID,
  options: {},
  async run({ args, json, client }) {
    const result = await client().json<Metrics>(
      "GET",
      await sessionPath(client(), args.positionals[0], "/metrics"),
    );
    if (json) return printJson(result);
    console.log(metricsFields(result));
  },
};

/** Prints risk limits, one per line (or that there are none). */
function limitFields(limits: RiskLimits): string {
  const entries = Object.entries(limits);
  return entries.length === 0
    ? "none"
    : fields(entries.map(([key, value]) => [key, String(value)]));
}

/** Risk events (or account audit entries) as a table, newest first. */
function auditTable(rows: readonly [number, string, string][]): string {
  return table(
    [{ header: "TIME" }, { header: "RULE" }, { header: "EVENT" }],
    rows.map((
      [t, rule, text],
    ) => [time(t), rule, text]),
  );
}

const STATE_FLAGS = ["halt", "reduce", "activate"] as const;

const risk: Command = {
  name: "risk",
  summary:
    "Show a session's trading state, risk limits and risk audit; --halt, --reduce or --activate sets the state",
  args: ID,
  synopsis: "[--halt [--flatten] | --reduce | --activate] [--limit N]",
  options: {
    halt: { type: "boolean", description: "halt the session: no new orders" },
    flatten: { type: "boolean", description: "with --halt: close the position as well" },
    reduce: { type: "boolean", description: "accept only orders that reduce the position" },
    activate: { type: "boolean", description: "trade again (lifts any halt or reducing state)" },
    limit: { type: "string", value: "N", description: "at most N audit events (default 100)" },
  },
  async run({ args, json, client }) {
    const id = args.positionals[0];
    const chosen = STATE_FLAGS.filter((flag) => args.values[flag] === true);
    if (chosen.length > 1) throw new UsageError("give at most one of --halt, --reduce, --activate");
    if (args.values.flatten && chosen[0] !== "halt") {
      throw new UsageError("--flatten goes with --halt");
    }
    const path = await sessionPath(client(), id, "/risk");
    if (chosen.length === 1) {
      const state = { halt: "halted", reduce: "reducing", activate: "active" }[chosen[0]];
      await client().json<Session>("POST", path, {
        json: { state, flatten: args.values.flatten === true },
      });
    }
    const result = await client().json<SessionRisk>("GET", path, {
      query: { limit: numberOption(args, "limit", { min: 1, max: 1000, integer: true }) },
    });
    if (json) return printJson(result);
    console.log(
      `${
        fields([["Trading", tradingState(result.risk)], [
          "Reason",
          result.risk.reason?.message ?? "",
        ]])
      }

Limits

${limitFields(result.limits)}
`,
    );
    console.log(
      result.events.length === 0
        ? "no risk events"
        : auditTable(result.events.map((e) => [e.time, e.rule, riskEventText(e)])),
    );
  },
};

const account: Command = {
  name: "account",
  summary:
    "Show the account-wide risk (kill switch, limits, audit); --halt/--resume work the kill switch, --limits sets the limits",
  args: [],
  synopsis: "[--halt [--flatten] | --resume] [--limits JSON]",
  options: {
    halt: { type: "boolean", description: "kill switch: halt every session" },
    flatten: { type: "boolean", description: "with --halt: close every position as well" },
    resume: { type: "boolean", description: "lift the kill switch" },
    limits: {
      type: "string",
      value: "JSON",
      description: `replace the account-wide limits, e.g. '{"max_drawdown_percent": 20}'`,
    },
  },
  async run({ args, json, client }) {
    if (args.values.halt && args.values.resume) {
      throw new UsageError("give at most one of --halt and --resume");
    }
    if (args.values.flatten && !args.values.halt) {
      throw new UsageError("--flatten goes with --halt");
    }
    const api = client();
    if (typeof args.values.limits === "string") {
      let limits: unknown;
      try {
        limits = JSON.parse(args.values.limits);
      } catch {
        throw new UsageError(`--limits must be a JSON object, got '${args.values.limits}'`);
      }
      await api.json<AccountRisk>("PUT", "/risk", { json: limits });
    }
    if (args.values.halt) {
      await api.json<AccountRisk>("POST", "/risk/halt", {
        json: { flatten: args.values.flatten === true },
      });
    } else if (args.values.resume) await api.json<AccountRisk>("POST", "/risk/resume");
    const result = await api.json<AccountRisk>("GET", "/risk");
    if (json) return printJson(result);
    console.log(
      `${fields([["Kill switch", result.halted ? "ON: every session halted" : "off"]])}

Limits (${result.source === "env" ? "RISK_* environment" : "set through the API"})

${limitFields(result.limits)}
`,
    );
    console.log(
      result.audit.length === 0 ? "no account risk events" : auditTable(
        result.audit.map((e) => [
          e.time,
          e.kind,
          e.kind === "limits"
            ? `limits set: ${JSON.stringify(e.limits)}`
            : `${e.kind}${e.flatten ? " with flatten" : ""} (${e.sessions ?? 0} sessions)`,
        ]),
      ),
    );
  },
};

const alerts: Command = {
  name: "alerts",
  summary: "List alerts (webhooks) and how their delivery went, newest first",
  args: [],
  synopsis: "[--status pending|failed|delivered] [--session ID] [--limit N] [--offset N]",
  options: {
    status: {
      type: "string",
      value: "STATUS",
      description: "only alerts pending (retrying), failed (given up) or delivered",
    },
    session: { type: "string", value: "ID", description: "only the alerts about this session" },
    ...pageOptions("alerts", ALERT_LIST_LIMIT),
  },
  async run({ args, json, client }) {
    const status = args.values.status;
    if (status !== undefined && !ALERT_STATUSES.includes(status as never)) {
      throw new UsageError(`--status must be ${ALERT_STATUSES.join(", ")}; got '${status}'`);
    }
    const session = args.values.session as string | undefined;
    const page = await client().json<AlertPage>("GET", "/alerts", {
      query: {
        status: status as string | undefined,
        session: session === undefined ? undefined : await sessionId(client(), session),
        ...pageQuery(args, ALERT_LIST_LIMIT),
      },
    });
    if (json) return printJson(page);
    if (page.items.length === 0) {
      console.log(page.offset === 0 ? "no alerts" : "no alerts on this page");
      return;
    }
    console.log(
      table(
        ALERT_COLUMNS.map((header) => ({ header, right: header === "ATTEMPTS" })),
        page.items.map(alertCells),
      ),
    );
  },
};

/** The `paper` program. */
export const PAPER: Program = {
  name: "paper",
  summary: "Paper trading sessions on a running service (deno task start).",
  commands: [
    start,
    list,
    status,
    controlCommand("pause", "Pause a session (market data is ignored until resumed)"),
    controlCommand("resume", "Resume a paused session"),
    order,
    cancel,
    close,
    stop,
    trades,
    metrics,
    risk,
    account,
    alerts,
  ],
};

if (import.meta.main) Deno.exit(await runProgram(PAPER, Deno.args));
