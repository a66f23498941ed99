/**
 * The limits every strategy document must stay within, in one place. They
 * bound the work of validating a document (every step is linear in its size)
 * and the memory a session spends on it. Every example strategy and every
 * realistic one stays far below them; a document above one is refused with
 * an error naming the limit and the document's value.
 *
 * @module
 */

/** The limits on strategy documents (see {@link STRATEGY_LIMITS}). */
export interface StrategyLimits {
  /** Size of the source text, in UTF-8 bytes. */
  readonly sourceBytes: number;
  /**
   * Levels of mappings and lists nested in the document as a whole; checked
   * first, before anything recursive reads the document. Above the JSON depth
   * of rules nested to the {@link nesting} limit (about 2 levels per level).
   */
  readonly documentDepth: number;
  /** Indicators declared. */
  readonly indicators: number;
  /** Indicators in one input chain (an indicator of an indicator of …), counting both ends. */
  readonly chainDepth: number;
  /** Levels of conditions and expressions nested in one rule (`all`/`any`/`not`, `add`…). */
  readonly nesting: number;
  /** Conditions and expressions in all rules together. */
  readonly conditions: number;
  /** Cost: the sum over all indicators of the inputs each needs before its first value. */
  readonly cost: number;
  /** YAML aliases (`*name`) expanded in the document, counting those inside aliased parts. */
  readonly aliases: number;
  /** Problems reported for one document (the rest are counted). */
  readonly errors: number;
}

/**
 * The limits on strategy documents. The cost bounds the indicator state a
 * session keeps: an indicator holds at most its warm-up window (e.g. 5,000
 * values for an `SMA` of period 5000, 8 bytes each), so 100,000 is at most
 * about 0.8 MB per session.
 */
export const STRATEGY_LIMITS: StrategyLimits = Object.freeze({
  sourceBytes: 64 * 1024,
  documentDepth: 100,
  indicators: 256,
  chainDepth: 32,
  nesting: 32,
  conditions: 500,
  cost: 100_000,
  aliases: 100,
  errors: 100,
});

/** Formats a count for messages: `131,072`. */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}
