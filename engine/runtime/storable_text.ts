/**
 * Text a user sends must be storable and showable as it is: PostgreSQL
 * refuses NUL in text and JSON, and a lone UTF-16 surrogate cannot be encoded
 * as UTF-8 (it would silently become U+FFFD). This finds such characters in a
 * JSON-like value (keys included) and bounds its nesting, without recursion,
 * so even a value nested 100,000 levels deep is checked safely.
 */

/** One problem: where (`name`, `fees.maker`, `indicators.x[2]`) and what. */
export interface TextProblem {
  readonly path: string;
  readonly message: string;
}

/** Deepest nesting of objects and arrays a request body may have. */
export const MAX_NESTING = 128;

/** What is wrong with one string, or undefined when it is storable. */
export function stringProblem(text: string): string | undefined {
  const nul = text.indexOf("\0");
  if (nul >= 0) return `contains a NUL character (U+0000) at index ${nul}`;
  if (!text.isWellFormed()) {
    const at = text.search(/\p{Cs}/u);
    const code = text.charCodeAt(at).toString(16).toUpperCase();
    return `contains a lone surrogate (U+${code}) at index ${at}: not valid Unicode text`;
  }
  return undefined;
}

/**
 * The first problem in `value`: a string or key with NUL or a lone surrogate,
 * or nesting deeper than `maxNesting` (default {@link MAX_NESTING}).
 */
export function textProblem(
  value: unknown,
  options: { maxNesting?: number } = {},
): TextProblem | undefined {
  const maxNesting = options.maxNesting ?? MAX_NESTING;
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: "", depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item.value === "string") {
      const message = stringProblem(item.value);
      if (message) return { path: item.path, message };
      continue;
    }
    if (typeof item.value !== "object" || item.value === null) continue;
    if (item.depth >= maxNesting) {
      const path = item.path.length > 60 ? `${item.path.slice(0, 60)}…` : item.path;
      return { path, message: `nested deeper than ${maxNesting} levels` };
    }
    const depth = item.depth + 1;
    if (Array.isArray(item.value)) {
      item.value.forEach((v, i) => stack.push({ value: v, path: `${item.path}[${i}]`, depth }));
      continue;
    }
    for (const [key, v] of Object.entries(item.value)) {
      const path = item.path ? `${item.path}.${key}` : key;
      const message = stringProblem(key);
      if (message) return { path, message: `key ${message}` };
      stack.push({ value: v, path, depth });
    }
  }
  return undefined;
}
