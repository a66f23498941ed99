/**
 * The zod schema of operands (numbers, references, arithmetic expressions),
 * shared by rules (`schema.ts`) and indicator inputs (`indicator_schemas.ts`).
 *
 * @module
 */

import { z } from "zod";
import { ARITHMETIC_OPERATORS } from "./vocabulary.ts";

/**
 * An operand: a number, a reference (`rsi`, `macd.signal`, `close`,
 * `close(ETHUSDT)`) or an arithmetic expression.
 */
export type Operand = number | string | Expression;

/** An arithmetic expression over two operands; exactly one key is set. */
export type Expression = { [K in typeof ARITHMETIC_OPERATORS[number]]?: [Operand, Operand] };

/** Whether an object has exactly one key. */
export function exactlyOne(value: Record<string, unknown>): boolean {
  return Object.keys(value).length === 1;
}

/** The message of an object that must have exactly one of `operators`. */
export function oneOfMessage(kind: string, operators: readonly string[]): string {
  return `${kind} must have exactly one of: ${operators.join(", ")}`;
}

/** Zod schema of an arithmetic expression (recursive). */
export const expressionSchema: z.ZodType<Expression> = z.lazy(() =>
  z.strictObject(
    Object.fromEntries(ARITHMETIC_OPERATORS.map((op) => [op, operandPair.optional()])),
  ).refine(exactlyOne, {
    message: oneOfMessage("an expression", ARITHMETIC_OPERATORS),
  }) as unknown as z.ZodType<Expression>
);

/** Zod schema of an operand. */
export const operandSchema: z.ZodType<Operand> = z.union([
  z.number().finite(),
  z.string().min(1),
  expressionSchema,
]);

/** Zod schema of a pair of operands. */
export const operandPair = z.tuple([operandSchema, operandSchema]);
