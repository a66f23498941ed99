/**
 * The account-wide risk limits from the environment: `RISK_` followed by the
 * limit's name in capitals (`RISK_MAX_DRAWDOWN_PERCENT=20`,
 * `RISK_FLATTEN_ON_HALT=true`).
 */
import {
  RISK_FLAGS,
  RISK_LIMIT_KEYS,
  type RiskLimits,
  riskLimitsSchema,
} from "../core/risk/mod.ts";

/** The variable that sets a limit. */
function riskVariable(key: string): string {
  return `RISK_${key.toUpperCase()}`;
}

/** Reads every `RISK_*` limit through `get`; a value a limit does not accept goes to `invalid`. */
export function riskLimitsFromEnv(
  get: (name: string) => string | undefined,
  invalid: (variable: string, value: string, accepted: string) => never,
): RiskLimits {
  const limits: Record<string, unknown> = {};
  for (const key of RISK_LIMIT_KEYS) {
    const name = riskVariable(key);
    const text = get(name);
    if (text === undefined) continue;
    const flag = RISK_FLAGS.includes(key);
    const value = flag
      ? (/^(true|1)$/i.test(text) ? true : /^(false|0)$/i.test(text) ? false : undefined)
      : /^-?\d+(\.\d+)?$/.test(text)
      ? Number(text)
      : undefined;
    if (value === undefined) invalid(name, text, flag ? "true or false" : "a number");
    const parsed = riskLimitsSchema.safeParse({ [key]: value });
    if (!parsed.success) {
      const issue = parsed.error.issues[0].message;
      invalid(
        name,
        text,
        issue.replace(/^(Too (big|small): expected |Invalid input: expected )/, ""),
      );
    }
    limits[key] = value;
  }
  return limits;
}
