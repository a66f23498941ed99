/**
 * The request schemas (zod): what the routes validate at the edge and what
 * the OpenAPI document describes. Server side only: the dashboard islands
 * import `mod.ts`, never this file, so the browser bundle carries no zod.
 */
import { z } from "zod";
import {
  DEFAULT_INITIAL_CAPITAL,
  MAX_FEE_RATE,
  MAX_INITIAL_CAPITAL,
  MAX_PORTFOLIO_SYMBOLS,
  MAX_SESSION_WEBHOOKS,
  MAX_SLIPPAGE_BPS,
  MAX_SOCKET_TOPICS,
  MIN_INITIAL_CAPITAL,
} from "./limits.ts";
import type { SocketRequest } from "./live.ts";
import { riskLimitsSchema } from "../engine/core/risk/schema.ts";
import { TRADING_STATES } from "../engine/core/risk/events.ts";
import { parseWebhookTarget } from "./webhook_target.ts";

const fraction = z.number().min(0).max(MAX_FEE_RATE);

/** A stored strategy id, an inline YAML/JSON document, or a document object. */
export const strategyRefSchema = z.union([
  z.string().min(1).describe("a stored strategy id, or an inline YAML/JSON document"),
  z.record(z.string(), z.unknown()).describe("an inline strategy document"),
]);

/**
 * A symbol: Binance spot such as BTCUSDT, or a venue symbol such as
 * okx:BTC/USDT (upper-cased: OKX:BTC/USDT).
 */
export const symbolSchema = z.string().regex(
  /^([A-Za-z0-9]{2,20}|[A-Za-z][A-Za-z0-9]{1,30}:[A-Za-z0-9]{1,20}\/[A-Za-z0-9]{1,20})$/,
  "a symbol such as BTCUSDT, or a venue symbol such as okx:BTC/USDT",
).transform((s) => s.toUpperCase());

/** Quote-currency capital a session or backtest starts with. */
const capitalSchema = z.number()
  .min(
    MIN_INITIAL_CAPITAL,
    `must be at least ${MIN_INITIAL_CAPITAL} (one unit of the quote currency)`,
  )
  .max(MAX_INITIAL_CAPITAL);

/** Execution fields every trading request may carry. */
export const executionFields = {
  fees: z.object({ maker: fraction, taker: fraction }).partial().optional(),
  slippage: z.union([
    z.number().min(0).max(MAX_SLIPPAGE_BPS).describe("fixed slippage in bps"),
    z.object({ model: z.literal("fixed"), bps: z.number().min(0).max(MAX_SLIPPAGE_BPS) }),
    z.object({
      model: z.literal("sqrt"),
      coefficient: z.number().min(0).max(10_000),
      cap_bps: z.number().min(0).max(10_000),
    }),
  ]).optional(),
  fill_model: z.object({
    book: z.enum(["l2", "none"]).describe(
      "l2 (default): fill against the L2 book when one is fresh; none: top of book plus slippage",
    ),
    rest: z.enum(["slippage", "expire"]).describe(
      "what the visible book cannot fill of a market order: priced by the slippage model, or expires",
    ),
    queue: z.enum(["trade_through", "touch"]),
    max_volume_share: z.number().gt(0).max(1),
    latency_ms: z.number().int().min(0).max(60_000),
  }).partial().optional(),
  sizing: z.record(z.string(), z.unknown()).optional()
    .describe("replaces the strategy's sizing rule"),
  allow_short: z.boolean().default(false),
};

/** The validated execution fields of a request. */
export type ExecutionFields = z.output<z.ZodObject<typeof executionFields>>;

/** Body of `POST /api/paper_trading/sessions`. */
export const sessionInputSchema = z.object({
  strategy: strategyRefSchema,
  symbol: symbolSchema.optional().describe("the one symbol traded; give this or symbols"),
  symbols: z.array(symbolSchema).min(1).max(MAX_PORTFOLIO_SYMBOLS).optional().describe(
    "a portfolio: one strategy over these symbols (one quote currency) with one wallet",
  ),
  initial_capital: capitalSchema.default(DEFAULT_INITIAL_CAPITAL),
  name: z.string().max(100).optional(),
  risk: riskLimitsSchema.optional().describe(
    "risk limits of this session, overriding the strategy's risk block (account-wide caps still apply)",
  ),
  webhooks: z.array(
    z.string().superRefine((text, ctx) => {
      const target = parseWebhookTarget(text);
      if (typeof target === "string") ctx.addIssue({ code: "custom", message: target });
    }),
  ).max(MAX_SESSION_WEBHOOKS).optional()
    .describe(
      "alert targets of this session, [FORMAT:]URL with FORMAT json (default), slack, discord or telegram; " +
        "accepted only when the service allows them (WEBHOOK_ALLOW_SESSION_TARGETS=true)",
    ),
  ...executionFields,
}).strict().refine((s) => (s.symbol === undefined) !== (s.symbols === undefined), {
  message: "give symbol (one) or symbols (a portfolio), exactly one of them",
  path: ["symbol"],
}).refine((s) => s.symbols === undefined || new Set(s.symbols).size === s.symbols.length, {
  message: "each symbol may be listed once",
  path: ["symbols"],
});

/** A validated session creation request. */
export type SessionInput = z.infer<typeof sessionInputSchema>;

/** The last instant a JavaScript date can hold (ms). */
const LAST_DATE_MS = 8.64e15;

const time = z.union([
  z.string().refine((s) => !Number.isNaN(Date.parse(s)), "an ISO-8601 time"),
  z.number().int().min(0).max(LAST_DATE_MS),
]).transform((t) => typeof t === "number" ? t : Date.parse(t));

/** Body of `POST /api/backtests`. */
const dataPathSchema = z.string().min(1).max(4096)
  .describe(
    "a recording in the backtest directory (BACKTEST_DIR), as a path relative to it: " +
      "one listed by GET /api/backtests/data or returned by an upload",
  );

/** Body of `POST /api/backtests`: `data` for one symbol, or `portfolio` for one wallet over several. */
export const backtestInputSchema = z.object({
  strategy: strategyRefSchema,
  data: dataPathSchema.optional(),
  portfolio: z.array(z.object({ symbol: symbolSchema, data: dataPathSchema }).strict())
    .min(2).max(MAX_PORTFOLIO_SYMBOLS).optional()
    .describe(
      "one recording per symbol, traded with one wallet; events are merged in time order, " +
        "equal times in the order of this list",
    ),
  symbol: symbolSchema.optional(),
  from: time.optional().describe("ISO-8601 time or epoch ms"),
  to: time.optional().describe("ISO-8601 time or epoch ms"),
  initial_capital: capitalSchema.optional(),
  capital: capitalSchema.optional().describe("former name of initial_capital"),
  ...executionFields,
}).strict()
  .refine((input) => (input.data === undefined) !== (input.portfolio === undefined), {
    message: "give data (one recording) or portfolio (one per symbol), exactly one of them",
    path: ["data"],
  })
  .refine((input) => input.initial_capital === undefined || input.capital === undefined, {
    message: "give initial_capital or its former name capital, not both",
    path: ["capital"],
  })
  .transform(({ capital, initial_capital, ...input }) => ({
    ...input,
    initial_capital: initial_capital ?? capital ?? DEFAULT_INITIAL_CAPITAL,
  }));

/** A validated backtest request. */
export type BacktestInput = z.infer<typeof backtestInputSchema>;

/** Body of `DELETE /api/paper_trading/sessions/{id}` (optional): close the position first. */
export const stopInputSchema = z.strictObject({
  flatten: z.boolean().default(false).describe(
    "close the position at market and cancel its orders before stopping",
  ),
});

/** Body of `PUT /api/risk`: the account-wide limits (caps over every session), replacing those in force. */
export const accountLimitsSchema = riskLimitsSchema;

/** Body of `POST /api/risk/halt`. */
export const haltInputSchema = z.strictObject({
  flatten: z.boolean().default(false).describe("close every position of every session as well"),
});

/** Body of `POST /api/paper_trading/sessions/{id}/risk`: an operator sets the trading state. */
export const tradingStateInputSchema = z.strictObject({
  state: z.enum(TRADING_STATES).describe(
    "active (trade), reducing (only orders that reduce a position) or halted (no new orders)",
  ),
  flatten: z.boolean().default(false).describe("when halting, close the position as well"),
});

const price = z.number().positive().finite();

/** Body of `POST /api/paper_trading/sessions/{id}/orders`: a manual order (quantity or notional). */
export const manualOrderSchema = z.strictObject({
  symbol: symbolSchema.optional().describe(
    "the symbol to trade (required in a portfolio session, else the session's)",
  ),
  side: z.enum(["buy", "sell"]),
  type: z.enum(["market", "limit", "stop_market", "stop_limit"]).default("market"),
  quantity: price.optional().describe("base quantity; give this or notional"),
  notional: price.optional().describe("quote amount, converted at the price or last price"),
  price: price.optional().describe("limit price (limit and stop_limit orders only)"),
  stop_price: price.optional().describe("trigger price (stop_market and stop_limit orders only)"),
  bracket: z.strictObject({ stop_loss: price.optional(), take_profit: price.optional() })
    .optional().describe("stop-loss and take-profit placed when the order fills"),
}).refine((o) => (o.quantity === undefined) !== (o.notional === undefined), {
  message: "give exactly one of quantity and notional",
  path: ["quantity"],
}).refine((o) => o.price === undefined || o.type === "limit" || o.type === "stop_limit", {
  message: "price applies to limit and stop_limit orders only",
  path: ["price"],
}).refine(
  (o) => o.stop_price === undefined || o.type === "stop_market" || o.type === "stop_limit",
  {
    message: "stop_price applies to stop_market and stop_limit orders only",
    path: ["stop_price"],
  },
);

/** A message a client sends on the WebSocket (`/api/ws`). */
export const socketRequestSchema: z.ZodType<SocketRequest> = z.discriminatedUnion("op", [
  z.object({
    op: z.enum(["subscribe", "unsubscribe"]),
    topics: z.array(z.string()).max(
      MAX_SOCKET_TOPICS,
      `at most ${MAX_SOCKET_TOPICS} topics per message`,
    ),
  }),
  z.object({ op: z.literal("ping") }),
]);
