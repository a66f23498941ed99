/**
 * The execution fields of a trading request (fees, slippage, fill model,
 * shorting), as the contract validated them, translated into the execution
 * engine's settings.
 */
import type { ExecutionFields } from "../../contract/schemas.ts";
import { type ExecutionConfig, resolveExecutionConfig } from "../core/execution/mod.ts";
import { ValidationError } from "./errors.ts";

/** Execution settings for a request starting with `initial_capital`; a {@link ValidationError} when they do not hold. */
export function executionOf(initialCapital: number, input: ExecutionFields): ExecutionConfig {
  const slippage = typeof input.slippage === "number"
    ? { model: "fixed", bps: input.slippage }
    : input.slippage;
  const { book, rest, ...matching } = input.fill_model ?? {};
  const fillModel = book === "none"
    ? { book }
    : book !== undefined || rest !== undefined
    ? { book: "l2", rest: rest ?? "slippage" }
    : undefined;
  try {
    return resolveExecutionConfig({
      initial_cash: initialCapital,
      allow_short: input.allow_short,
      ...(input.fees?.maker !== undefined ? { maker_fee: input.fees.maker } : {}),
      ...(input.fees?.taker !== undefined ? { taker_fee: input.fees.taker } : {}),
      ...(slippage ? { slippage } : {}),
      ...matching,
      ...(fillModel ? { fill_model: fillModel } : {}),
    });
  } catch (error) {
    throw new ValidationError("invalid execution settings", [{
      path: "",
      message: (error as Error).message,
    }]);
  }
}
